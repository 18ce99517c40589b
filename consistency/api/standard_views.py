"""The standard over HTTP: the current version for phones (with ETag revalidation) and head office's
draft -> edit -> publish cycle."""

import datetime as dt

from django.conf import settings
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.errors import AppError
from backend.inputs import iso_day, slug_param
from backend.permissions import HeadOfficeWrites
from sites import access
from sites.selectors import site_get

from ..selectors import standard as selectors
from ..services import reference_photos
from ..services import standard as services
from ..services.standard_diff import diff_for
from ..services.standard_document import parse_document
from ..services.translation import supported
from . import standard_serializers as s

# The shape of the answer: raised when a field is added (2: the readings a number criterion can take; 3: the day,
# site and time zone it is for, and status "in_force"; 4: departments; 5: each criterion's reference_photo;
# 6: language), so that a phone holding the older answer gets the new one instead of a 304.
REPRESENTATION = 6

LANG_PARAMETERS = [
    OpenApiParameter("lang", str, description="The language of the names, whys and prompts (one of "
                                              "settings.LANGUAGES: en, fr; 'fr-CA' reads as fr). Default: your "
                                              "profile's language, else the best of Accept-Language the standard "
                                              "comes in, else the standard's own (en). Unknown: 400."),
    OpenApiParameter("Accept-Language", str, OpenApiParameter.HEADER,
                     description="Used when neither ?lang= nor your profile names a language."),
]


def version_etag(version, place: dict, language: str = settings.LANGUAGE_CODE) -> str:
    # A released version never changes, so its identity (and status) is a strong validator; the version that
    # takes effect next is part of the answer too, and so are the day, site and time zone it is for (a phone
    # revalidating on a new day learns the day), and the language its texts are in.
    upcoming = getattr(version, "upcoming", None)
    next_part = f"-next-v{upcoming.number}-{upcoming.effective_from}" if upcoming else ""
    place_part = f"-{place['for_date']}-{place['site'] or ''}-{place['time_zone']}"
    return quote_etag(f"{version.standard.slug}-v{version.number}-{version.status}{next_part}{place_part}"
                      f"{reference_photos.etag_part(place)}-{language}-r{REPRESENTATION}")


def _known(tag: str) -> str | None:
    """The supported language ``tag`` names ("fr", "fr-CA", "FR_ca" -> "fr"); None for one Touchpoint lacks."""
    code = supported(tag)
    wanted = tag.strip().lower().replace("_", "-")
    return code if code in (wanted, wanted.split("-")[0]) else None


def answer_language(request) -> str:
    """The language a standard answer's texts are in: ``?lang=`` (400 naming ``lang`` if the standard does not come
    in it), else the person's ``Profile.language``, else the first of ``Accept-Language`` (by weight) the standard
    comes in, else the standard's own. The profile was read with the user's scope: no query of its own."""
    raw = request.query_params.get("lang")
    if raw is not None:
        code = _known(raw)
        if code is None:
            codes = ", ".join(code for code, _ in settings.LANGUAGES)
            raise AppError(f"lang: {raw[:20]!r} is not a language the standard comes in; use one of {codes}.",
                           field="lang")
        return code
    profile = access._profile(request.user) if request.user.is_authenticated else None
    if profile is not None and profile.language:
        return supported(profile.language)
    for tag, _ in parse_accept_lang_header(request.headers.get("Accept-Language", "")[:255]):
        if tag != "*" and (code := _known(tag)):
            return code
    return settings.LANGUAGE_CODE


def _in_language(response: Response, language: str) -> Response:
    """Says which language the answer is in, and that another Accept-Language may get another answer."""
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
    return response


def _none_match(request, etag: str) -> bool:
    """``If-None-Match`` names this ETag: compared weakly (RFC 9110 13.1.2), so a cache or proxy that
    weakened it (``W/"..."``, e.g. after compressing the answer) still revalidates; ``*`` matches too."""
    sent = parse_etags(request.headers.get("If-None-Match", ""))
    return "*" in sent or etag.removeprefix("W/") in {t.removeprefix("W/") for t in sent}


def _checklist_place(request):
    """The day and the site whose checklist is asked for: ``date`` and ``site`` read from the query (400 for a
    malformed one, 404 for a site one may not read, even with a date), else the user's site if they read exactly
    one (a phone's case), else no site; the day is the selector's to choose."""
    raw_date, code = request.query_params.get("date"), slug_param(request.query_params, "site")
    day = iso_day(raw_date) if raw_date else None
    if raw_date and day is None:
        raise AppError("date: a date as YYYY-MM-DD.", field="date")
    if code is not None:
        site = site_get(user=request.user, code=code, field="site")
    else:
        # The answer names the site whose local day it is for, so the view picks it, as checklist_day would.
        sites = list(access.readable_sites(request.user)[:2])
        site = sites[0] if len(sites) == 1 else None
    return selectors.checklist_day(user=request.user, site=site, day=day), site


class CurrentStandardView(APIView):
    @extend_schema(
        responses=s.CurrentVersionSerializer,
        parameters=[
            OpenApiParameter("site", str, description="A site code: the version in force on that site's local "
                                                      "today. Default: your site, if you have exactly one; else "
                                                      "the server's today (UTC)."),
            OpenApiParameter("date", dt.date, description="The version in force on this day instead."),
            *LANG_PARAMETERS,
        ],
        summary="The standard in force today: the checklist a phone fills in (revalidate with If-None-Match)",
        description="The version whose checklist checks of `for_date` (the local date at `site`, in `time_zone`) "
                    "are judged by. Its `status` is always `in_force`: that is what matters to a phone. Its place "
                    "in head office's cycle is at /standard/versions/{number}/ (it may already be `retired` "
                    "there: a newer version was published and takes effect later, on `upcoming.effective_from`).",
    )
    def get(self, request):
        language = answer_language(request)
        day, site = _checklist_place(request)
        version = selectors.version_current(on=day)
        place = {"for_date": day, "site": site.code if site else None,
                 "time_zone": site.timezone if site else settings.TIME_ZONE, "request": request}
        etag = version_etag(version, place, language)
        if _none_match(request, etag):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = Response(s.CurrentVersionSerializer(selectors.load_contents(version),
                                                           context={**place, "language": language}).data)
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return _in_language(response, language)


def _version_answer(request, version, *, status_code: int = status.HTTP_200_OK) -> Response:
    """A version with its contents, in the request's language (:func:`answer_language`)."""
    language = answer_language(request)
    data = s.VersionSerializer(version, context={"language": language}).data
    return _in_language(Response(data, status=status_code), language)


class VersionListView(APIView):
    permission_classes = [HeadOfficeWrites]

    @extend_schema(responses=s.VersionSummarySerializer(many=True),
                   summary="Every version (drafts are head office's own work in progress: only head office sees them)")
    def get(self, request):
        return Response(s.VersionSummarySerializer(selectors.version_list(user=request.user), many=True).data)

    @extend_schema(request=s.DraftCreateSerializer, responses={201: s.VersionSerializer}, parameters=LANG_PARAMETERS,
                   summary="Draft a new version as a copy of the published one (head office)")
    def post(self, request):
        answer_language(request)  # an unknown ?lang= is refused before anything is written
        body = s.DraftCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        draft = services.version_draft(standard=selectors.master_standard(), user=request.user,
                                       notes=body.validated_data.get("notes", ""))
        version = selectors.version_get(number=draft.number)
        return _version_answer(request, version, status_code=status.HTTP_201_CREATED)


class VersionDetailView(APIView):
    permission_classes = [HeadOfficeWrites]

    @extend_schema(responses=s.VersionSerializer, parameters=LANG_PARAMETERS)
    def get(self, request, number: int):
        answer_language(request)
        return _version_answer(request, selectors.version_get(number=number, user=request.user))

    @extend_schema(request=dict, responses=s.VersionSerializer, parameters=LANG_PARAMETERS,
                   summary="Replace a draft's touch points and criteria with a whole standard document",
                   description="The document as `load_standard` reads it, translations included (`languages` and "
                               "each item's `translations`: a declared language must cover every item).")
    def put(self, request, number: int):
        answer_language(request)
        version = selectors.version_get(number=number, with_contents=False)
        services.version_replace_contents(version=version, doc=parse_document(request.data), user=request.user)
        return _version_answer(request, selectors.version_get(number=number))

    @extend_schema(responses={204: None}, summary="Delete a draft")
    def delete(self, request, number: int):
        services.version_delete_draft(version=selectors.version_get(number=number, with_contents=False), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CriterionDetailView(APIView):
    permission_classes = [HeadOfficeWrites]

    @extend_schema(request=s.CriterionPatchSerializer, responses=s.CriterionSerializer, parameters=LANG_PARAMETERS,
                   summary="Edit one criterion of a draft")
    def patch(self, request, number: int, key: str):
        language = answer_language(request)
        body = s.CriterionPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = selectors.version_get(number=number, with_contents=False)
        criterion = services.criterion_update(version=version, key=key, changes=body.validated_data, user=request.user)
        return _in_language(Response(s.CriterionSerializer(criterion, context={"language": language}).data),
                            language)


class PublishView(APIView):
    permission_classes = [HeadOfficeWrites]

    @extend_schema(request=s.PublishSerializer, responses=s.VersionSerializer, parameters=LANG_PARAMETERS,
                   summary="Publish a draft to take effect on effective_from (default: the earliest day it can); "
                           "the version in force is retired, and stays in force until then")
    def post(self, request, number: int):
        answer_language(request)
        body = s.PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = selectors.version_get(number=number, with_contents=False)
        services.version_publish(version=version, user=request.user,
                                 effective_from=body.validated_data.get("effective_from"))
        return _version_answer(request, selectors.version_get(number=number))


class DiffView(APIView):
    @extend_schema(
        parameters=[s.DiffQuerySerializer],
        # A 404 here is about a query parameter, not the path: named so (the refusals hook adds the path's only).
        responses={200: s.VersionDiffSerializer,
                   404: OpenApiResponse(response={"$ref": "#/components/schemas/Error"},
                                        description="'from' or 'to' names no version you can see (the message and "
                                                    "field name which; a draft is head office's alone).")},
        summary="What changed between two versions: touch points and criteria added, removed and changed",
        description="Any two versions, in either order (`from` is the side read first). Every role may compare "
                    "released (published or retired) versions; a draft is head office's alone (404 to others, "
                    "as an unknown number is). The page /app/standard/diff/ shows the same answer.",
    )
    def get(self, request):
        query = s.DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        diff = diff_for(user=request.user, number_from=query.validated_data["from"],
                        number_to=query.validated_data["to"])
        return Response(s.VersionDiffSerializer(diff).data)
