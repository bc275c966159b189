"""The API's serializers: read.py for what each resource looks like, write.py for what a write sends."""
