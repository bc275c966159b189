"""What a benchmark ran on, for its report: the synthetic corpus in the database (tools/corpus/) and the
machine. The load test describes its run with them too."""

import os
import platform
import re
import sqlite3
from pathlib import Path

from django.conf import settings
from django.db import connection

from corpus.spec import RECORD_ID_BASE
from documents.models import Document


def describe_corpus():
    synthetic = Document.objects.filter(record_id__gt=RECORD_ID_BASE)
    first = synthetic.order_by("record_id").values_list("rights", flat=True).first() or ""
    seed = re.search(r"--seed (\d+)", first)
    info = {
        "documents": synthetic.filter(status=Document.Status.PUBLISHED).count(),
        "drafts": synthetic.filter(status=Document.Status.DRAFT).count(),
        "other": Document.objects.filter(record_id__lte=RECORD_ID_BASE).count(),
        "seed": seed.group(1) if seed else "?",
        "vendor": connection.vendor,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            info["version"] = "PostgreSQL " + cursor.fetchone()[0].split()[0]
            cursor.execute("SELECT current_database(), pg_database_size(current_database())")
            name, size = cursor.fetchone()
            info["database"] = f"database `{name}`, {size / 2**30:.1f} GB"
            for setting in ("shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather"):
                cursor.execute(f"SHOW {setting}")
                info.setdefault("settings", []).append(f"{setting}={cursor.fetchone()[0]}")
        else:
            info["version"] = f"SQLite {sqlite3.sqlite_version}"
            path = Path(settings.DATABASES["default"]["NAME"])
            size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
            info["database"] = f"file `{path.name}`, {size / 2**30:.1f} GB"
            info["settings"] = []
    return info


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{kb / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {
        "cores": os.cpu_count(),
        "memory": memory,
        "cpu": cpu,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "sqlite": sqlite3.sqlite_version,
    }
