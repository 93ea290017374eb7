"""The benchmark's baseline (bench/run.py): the cheapest authenticated Django
view this site can serve, measured with the same tool as the portal pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def baseline(request):
    return HttpResponse("ok", content_type="text/plain")
