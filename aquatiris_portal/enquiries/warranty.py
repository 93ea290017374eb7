"""The extended warranty's dates."""

from django.utils import timezone


def warranty_end(installation, settings_obj, registered_at=None):
    """The last day of the extended warranty: the editors' number of years
    (PortalSettings.warranty_years) from the installation date, or from the
    registration when that date is unknown."""
    years = getattr(settings_obj, "warranty_years", None) or 10
    start = installation.installed_on or timezone.localdate(registered_at or timezone.now())
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)
