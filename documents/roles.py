"""The staff roles, Curator and Editor: the one place that says what each may do.

The data migration 0005_roles created the two groups (with a frozen copy of the rules as they
were then) and ``manage.py setup_roles`` brings them in step with this module. docs/roles.md shows
the same rules as a table, and tests/test_roles.py checks the table against them.

Two rules go beyond Django's add/change/delete/view permissions, and every write
path (admin form, admin action, queryset, and later import and API) asks these
functions rather than repeating them:

- publishing and unpublishing need ``documents.publish_document``;
- deleting a published document takes it off the public site, so it needs the
  publish permission as well as ``documents.delete_document``: curators delete
  drafts only.
"""

from django.core.exceptions import PermissionDenied

APP_LABEL = "documents"
CURATOR = "Curator"
EDITOR = "Editor"
PUBLISH_PERMISSION = f"{APP_LABEL}.publish_document"

# What curators describe: they add, change and view these records.
DESCRIBED = ["document", "documentperson", "relation", "scan", "person", "personalias", "donor", "collection"]
# Rows edited inside a document's or a person's form: removing a wrong author, relation,
# scan or alias is part of editing, so curators may delete them. Documents themselves
# are deletable by curators only while they are drafts (see can_delete_document).
PARTS = ["documentperson", "relation", "scan", "personalias", "document"]
# Controlled lists: curators choose from them and extend them (DESIGN.md); editors may also
# delete a term.
VOCABULARIES = ["documenttype", "classification", "language", "subject", "place", "archive", "relationtype"]


def _codenames(actions, models):
    return {f"{action}_{model}" for action in actions for model in models}


_CURATOR = (
    _codenames(["add", "change", "view"], DESCRIBED)
    | _codenames(["delete"], PARTS)
    | _codenames(["add", "change", "view"], VOCABULARIES)
    | _codenames(["view"], ["oldslug"])
)
_EDITOR = _CURATOR | {"publish_document"} | _codenames(["delete"], DESCRIBED) | _codenames(["delete"], VOCABULARIES)

# Group name → codenames of the documents app's permissions it holds, exactly.
ROLES = {CURATOR: frozenset(_CURATOR), EDITOR: frozenset(_EDITOR)}


def can_preview(user):
    """Staff may see drafts; nobody else may."""
    return user is not None and user.is_active and user.is_staff


def can_publish(user):
    """Whether the user may publish and unpublish documents."""
    return user is not None and user.has_perm(PUBLISH_PERMISSION)


def check_can_publish(user):
    if not can_publish(user):
        raise PermissionDenied("You do not have permission to publish or unpublish documents.")


def can_delete_document(user, document):
    """Editors delete any document; curators only drafts."""
    if not user.has_perm(f"{APP_LABEL}.delete_document"):
        return False
    return not document.is_published or can_publish(user)


def sync_groups(Group, Permission, using="default"):
    """Make each group hold exactly the permissions ROLES gives it.

    Takes the models as arguments so that a migration can pass its historical ones.
    Returns (changes, missing): a line for each change made, and the codenames that
    ROLES names but the database does not hold yet (their model's migration has not run).
    """
    changes, missing = [], set()
    for name, codenames in ROLES.items():
        group, created = Group.objects.using(using).get_or_create(name=name)
        if created:
            changes.append(f"{name}: created the group")
        wanted = Permission.objects.using(using).filter(content_type__app_label=APP_LABEL, codename__in=codenames)
        wanted_ids = dict(wanted.values_list("pk", "codename"))
        missing |= codenames - set(wanted_ids.values())
        held = {
            pk: f"{app}.{codename}"
            for pk, app, codename in group.permissions.values_list("pk", "content_type__app_label", "codename")
        }
        added = sorted(set(wanted_ids) - set(held))
        removed = sorted(set(held) - set(wanted_ids))
        if added:
            group.permissions.add(*added)
        if removed:
            group.permissions.remove(*removed)
        changes += sorted(f"{name}: added {APP_LABEL}.{wanted_ids[pk]}" for pk in added)
        changes += sorted(f"{name}: removed {held[pk]}" for pk in removed)
    return changes, sorted(missing)
