"""The clinician's calendar feed: their own page (create, rotate, revoke; the URL is shown
once) and the feed itself, which needs no login: the token in the URL is the key."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.core.http import acting_user
from ketaclinic.scheduling import services
from ketaclinic.scheduling.ics import calendar_ics
from ketaclinic.scheduling.selectors.feeds import feed_appointments, feed_by_token, feed_for


@login_required
@require_http_methods(["GET", "POST"])
def my_feed_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_feed_revoke(actor=user)
            messages.success(request, "Calendar feed revoked: its address no longer works.")
            return redirect("scheduling:my_feed")
        _feed, token = services.calendar_feed_create(actor=user)
        url = request.build_absolute_uri(reverse("scheduling:feed", args=[token]))
    feed = feed_for(user=user)
    return render(request, "scheduling/my_feed.html", {"feed": feed, "url": url})


@require_GET
def feed_view(request: HttpRequest, token: str) -> HttpResponse:
    feed = feed_by_token(token=token)
    if feed is None:
        services.calendar_feed_refused()
        raise Http404("No calendar feed at this address.")
    services.calendar_feed_used(feed=feed)
    body = calendar_ics(
        appointments=feed_appointments(feed=feed),
        name=f"Ketaclinic: {feed.user}",
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ketaclinic.ics"'
    return response
