"""The "stay logged in" of the idle-logout warning (RGAA 13.1): a request
that does nothing but pass through IdleTimeoutMiddleware, which records the
activity. GET, no state changed besides that timestamp: no CSRF token needed."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def keep_alive(request):
    # 204 for a live session; 401 once it has ended (the page then reloads
    # and lands on the login with the "logged out" message).
    return HttpResponse(status=204 if request.user.is_authenticated else 401)
