"""Public HTML pages. Anonymous readers see published documents only; staff may preview drafts."""

import dataclasses

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import truncatewords
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_safe

from ..citations.record import citation_key
from ..filters import DocumentFilter
from ..history import public
from ..models import Collection, Document, DocumentChange, DocumentPerson, Donor, Person
from ..models.querysets import can_preview
from ..ops import page_cache
from ..ops.unavailable import retry_later
from ..sanitize import plain_text
from ..search import WORD, Criteria, Search, SearchUnavailable, fold, parse_query
from ..search.explain import alias_matches
from ..search.facets import build_facets, date_histogram
from ..search.pages import CappedPaginator, Hits
from ..search.people import correspondents, person_search, role_counts, timeline
from . import pdf
from .feeds import search_feed_url
from .headers import draft_headers, reader_headers
from .network import archive_network, person_network
from .results import from_results, mark_words, result_link

# A person, donor or collection page lists this many documents, then links to the filtered list.
PREVIEW_SIZE = 20
NOTHING = Hits()
# A version's page never changes but for its notice ("version 2 of 3") and what the archive around it
# shows; an unpublished document's versions must leave shared caches soon: five minutes.
VERSION_MAX_AGE = 5 * 60


@require_safe
def home(request):
    return render(request, "documents/home.html", page_cache.fetch(request, "home", (), _home_context))


def _home_context():
    published = Document.objects.published()
    return {
        "document_count": published.count(),
        "recent_documents": list(published.for_list().order_by("-first_published_at", "-record_id")[:6]),
        "collections": list(Collection.objects.public().with_published_counts()[:12]),
    }


@require_safe
def document_list(request):
    filterset = DocumentFilter(request.GET, queryset=Document.objects.none(), request=request)
    context = {"filterset": filterset, "filter_errors": filterset.errors_for_reader(), "documents": []}
    if not filterset.is_valid():
        context["page_obj"] = CappedPaginator(NOTHING, 1).get_page(1)
        return render(request, "documents/document_list.html", context, status=400)
    try:
        context.update(_list_context(request, filterset))
    except SearchUnavailable:
        context.update(page_obj=CappedPaginator(NOTHING, 1).get_page(1), unavailable=True)
        return retry_later(render(request, "documents/document_list.html", context, status=503))
    return render(request, "documents/document_list.html", context)


def _list_context(request, filterset):
    """The list page's results, facets and histogram: the search index answers, the database gives
    only the page's documents (and, with words, their texts for the snippets)."""
    search = filterset.search()
    visible = Document.objects.visible_to(request.user)
    page = CappedPaginator(Hits(search, filterset.order(), visible), settings.DOCUMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    documents = list(page.object_list)
    found = {}
    if filterset.parsed_query().groups and documents:
        found = search.snippets(_texts(documents))
        alias_matches(search, documents, filterset.form.cleaned_data["q"])
    start, end = filterset.date_span()
    for document in documents:
        document.snippet = found.get(document.pk)
        # A partial date that reaches outside the chosen range matched by overlap: say so.
        document.date_is_approximate = bool(
            document.date and ((start and document.date < start) or (end and document.date_end > end))
        )
    suggestion = None
    if filterset.parsed_query().groups and not page.paginator.count:
        corrected = _suggest(filterset)
        if corrected:
            query = request.GET.copy()
            query["q"] = corrected
            query.pop("page", None)
            suggestion = (corrected, query.urlencode())
    return {
        "chips": filterset.chips(request.GET),
        "facets": build_facets(filterset, request.GET),
        "histogram": date_histogram(filterset, request.GET),
        "page_obj": page,
        "documents": documents,
        "suggestion": suggestion,
        "page_requested": request.GET.get("page", ""),
        "feed_url": search_feed_url(request.GET),
        "result_link": result_link(request.GET),
    }


def _texts(documents):
    """{id: the text a snippet is cut from}: the text and transcript, else the summary."""
    rows = Document.objects.filter(pk__in=[d.pk for d in documents]).values_list("pk", "text", "transcript")
    texts = {pk: f"{text}\n{transcript}".strip() for pk, text, transcript in rows}
    return {d.pk: texts.get(d.pk) or plain_text(d.summary) for d in documents}


def _suggest(filterset):
    """The query with misspelt words corrected, if the corrected query finds something; else None.
    Phrases, exclusions and "or" are kept."""
    search = filterset.search()
    corrections = search.corrections(filterset.parsed_query())
    if not corrections:
        return None

    def replace(match):
        word = match.group(0)
        better = corrections.get(fold(word), word)
        return better.capitalize() if word[:1].isupper() else better

    corrected = WORD.sub(replace, filterset.form.cleaned_data["q"])
    if not search.count_of(dataclasses.replace(search.criteria, parsed=parse_query(corrected))):
        return None
    return corrected


@require_safe
def document_detail(request, record_id, slug=None):
    document, gone = _readable_document(request, record_id)
    if gone:
        return gone
    if slug != document.slug:
        return redirect(document, permanent=True)
    return _document_page(request, document)


@require_safe
def document_pdf(request, record_id):
    """The document page as PDF (web/pdf.py): what a reader's print of the page gives, made on the server."""
    document, gone = _readable_document(request, record_id)
    if gone:
        return gone
    if pdf.UNAVAILABLE:  # the page hides the link; the system check tells the operator
        return HttpResponse(pdf.UNAVAILABLE, status=503, content_type="text/plain; charset=utf-8")
    try:
        data = document_pdf_bytes(request, document)
    except pdf.TooLarge as refusal:
        return HttpResponse(str(refusal), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_file_name(document)}"'
    # A PDF repeats its page: search engines index the page.
    response["X-Robots-Tag"] = "noindex"
    if not document.is_published:
        draft_headers(response)
    return response


def document_pdf_bytes(request, document):
    """The PDF of a document read with readable_fields(): made once per edit for readers (page_cache)."""
    base_url = request.build_absolute_uri("/")
    return page_cache.fetch(
        request,
        "document-pdf",
        _page_parts_key(request, document),
        lambda: pdf.render_pdf(_document_page(request, document).content.decode(), base_url),
    )


def pdf_file_name(document):
    # Named as its citations are (archive121773.bib, .ris): a reference manager pairs them.
    return f"{citation_key(document.record_id)}.pdf"


def readable_fields(queryset):
    """The fields a document's page, PDF and their cache keys need before the page is rendered."""
    return queryset.only("record_id", "slug", "status", "modified_at", "first_published_at")


def _readable_document(request, record_id):
    """(the document, None), or (None, the 410 page) for one deleted or withdrawn; 404 for any other.
    One narrow read decides 404, 410 and draft headers for everyone, so an unpublished document is gone
    at once whatever the cache holds; the page's parts may come from the cache."""
    document = readable_fields(Document.objects.visible_to(request.user)).filter(record_id=record_id).first()
    if document is not None:
        return document, None
    if DocumentChange.objects.gone(record_id, request.user):
        response = render(request, "410.html", status=410)
        if can_preview(request.user):  # staff also learn of deleted drafts: not for shared caches
            draft_headers(response)
        return None, response
    raise Http404("No document with this record ID.")


def _page_parts_key(request, document):
    """What a document page's cached parts depend on besides the archive: the host (canonical and IIIF
    links, the citation's URL) and today's date (the citation's "Accessed"); the document's own
    modified_at keeps its own edits apart."""
    return (
        document.record_id,
        document.modified_at.isoformat(),
        request.scheme,
        request.get_host(),
        str(timezone.localdate()),
    )


def _document_page(request, document):
    parts = page_cache.fetch(
        request, "document", _page_parts_key(request, document), lambda: _detail_parts(request, document.pk)
    )
    context = {"parts": parts}
    reached = from_results(request)
    if reached is not None:
        # Reached from a list of results: the way back, and their words marked in a copy of the body.
        context["back_url"], words = reached
        context["content"], context["marked"] = mark_words(parts["content"], words)
    response = render(request, "documents/document_detail.html", context)
    if not parts["is_published"]:
        draft_headers(response)
    return response


def _detail_parts(request, pk):
    """The document page's title, description, head and body, rendered: what page_cache keeps.
    Read again with the same visibility as the narrow read: the document may have been unpublished
    in between, and a draft must never be rendered for a reader who may not preview it."""
    document = get_object_or_404(Document.objects.visible_to(request.user).for_page(), pk=pk)
    versions = list(document.public_versions.order_by("-number").only("number", "published_at"))
    context = {
        "document": document,
        "related_documents": document.related_documents(request.user),
        "versions": versions,
    }
    return {
        "title": document.title,
        "description": truncatewords(plain_text(document.summary) or document.title, 50),
        "head": render_to_string("documents/detail/head.html", context, request),
        "content": render_to_string("documents/detail/content.html", context, request),
        "is_published": document.is_published,
    }


@require_safe
def document_version(request, record_id, number):
    """A public version of a document as it was: for whoever may see the document now, and only then."""
    document, gone = _readable_document(request, record_id)
    if gone:
        return gone
    # The page's parts depend on the archive beyond the version (related documents, people's names),
    # so they are kept at the archive's stamp like the current page's; the version itself never changes.
    parts = page_cache.fetch(
        request,
        "document-version",
        (*_page_parts_key(request, document), number),
        lambda: _version_parts(request, document, number),
    )
    if parts is None:
        raise Http404("This document has no public version with this number.")
    response = render(request, "documents/document_detail.html", {"parts": parts})
    return reader_headers(response, parts["is_published"] and page_cache.applies(request), VERSION_MAX_AGE)


def _version_parts(request, document, number):
    """The version page's parts, rendered through the document page's templates; None if there is no
    such version."""
    cited = public.version_of(document, number, request.user)
    if cited is None:
        return None
    old = cited.document
    context = {
        "document": old,
        "related_documents": cited.related,
        "version": cited.info,
        "changes": cited.changes(),
        "current_url": document.get_absolute_url(),
    }
    return {
        "title": f"{old.title} (version {number})",
        "description": truncatewords(plain_text(old.summary) or old.title, 50),
        "head": render_to_string("documents/detail/head.html", context, request),
        "content": render_to_string("documents/detail/content.html", context, request),
        "is_published": document.is_published,
    }


def _public_or_redirect(request, model, slug):
    """The record with this slug the user may see; an old slug answers 301 to its current page."""
    queryset = model.objects.visible_to(request.user)
    obj = queryset.filter(slug=slug).first()
    if obj is not None:
        return obj, None
    moved = queryset.resolve_old_slug(slug)
    if moved is not None:
        return None, redirect(moved, permanent=True)
    raise Http404(f"No {model._meta.verbose_name} at this address.")


@require_safe
def person_list(request):
    people = Person.objects.public().with_published_counts().prefetch_related("aliases")
    page = Paginator(people, 100).get_page(request.GET.get("page"))
    return render(request, "documents/person_list.html", {"page_obj": page, "people": page.object_list})


@require_safe
def person_detail(request, slug):
    person, moved = _public_or_redirect(request, Person, slug)
    if moved:
        return moved
    published_only = not can_preview(request.user)
    documents = Document.objects.visible_to(request.user)
    context = {"person": person, "aliases": person.aliases.all()}
    try:
        counts = role_counts(person, published_only)
        context["roles"] = [
            {
                "role": role,
                "count": counts[role],
                "documents": Hits(person_search(person, published_only, role), "date", documents)[0:PREVIEW_SIZE],
            }
            for role in DocumentPerson.Role
            if counts.get(role)
        ]
        context["timeline"] = timeline(person, published_only)
        context["correspondents"] = correspondents(person, published_only)
        context["network"] = person_network(person, context["correspondents"])
    except SearchUnavailable:
        context["unavailable"] = True
    return render(request, "documents/person_detail.html", context)


@require_safe
def people_network(request):
    """Who wrote to whom across the archive: its busiest pairs of correspondents (web/network.py)."""
    network = page_cache.fetch(request, "people-network", (), lambda: archive_network(request.user))
    return render(request, "documents/people_network.html", {"network": network})


@require_safe
def donor_list(request):
    donors = Donor.objects.public().with_published_counts()
    return render(request, "documents/donor_list.html", {"donors": donors})


@require_safe
def donor_detail(request, slug):
    return _group_detail(request, Donor, slug, "donor", "documents/donor_detail.html")


@require_safe
def collection_list(request):
    collections = Collection.objects.public().with_published_counts()
    return render(request, "documents/collection_list.html", {"collections": collections})


@require_safe
def collection_detail(request, slug):
    return _group_detail(request, Collection, slug, "collection", "documents/collection_detail.html")


def _group_detail(request, model, slug, filter_name, template):
    group, moved = _public_or_redirect(request, model, slug)
    if moved:
        return moved
    criteria = Criteria(values=((filter_name, (group.pk,)),), published_only=not can_preview(request.user))
    context = {"object": group, "filter_name": filter_name}
    try:
        hits = Hits(Search(criteria), "date", Document.objects.visible_to(request.user))
        context.update(document_count=hits.total, documents=hits[0:PREVIEW_SIZE])
    except SearchUnavailable:
        context["unavailable"] = True
    return render(request, template, context)
