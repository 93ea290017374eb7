"""The Wagtail admin's users listing: a bulk action "Remove trusted
browsers" (a lost laptop, a person who left the SPANC), registered by
wagtail_hooks.py; for admins who may change users."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.users.views.bulk_actions.user_bulk_action import UserBulkAction
from wagtail.users.views.users import change_user_perm

from . import trusted_browsers


class RevokeTrustedBrowsersBulkAction(UserBulkAction):
    display_name = _("Remove trusted browsers")
    action_type = "revoke_trusted_browsers"
    aria_label = _("Remove the trusted browsers of the selected users")
    template_name = "aquatiris_portal/admin/confirm_bulk_revoke_trusted_browsers.html"
    action_priority = 40

    def check_perm(self, obj):
        return self.request.user.has_perm(change_user_perm)

    def get_execution_context(self):
        return {"request": self.request}

    @classmethod
    def execute_action(cls, objects, request=None, **kwargs):
        admin = getattr(request, "user", None)
        by = admin.get_username() if admin is not None else ""
        for user in objects:
            # The event is the person's (user=), the admin who did it is named.
            trusted_browsers.revoke_all(user, "admin", request=request, by=by)
        return len(objects), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "The trusted browsers of %(count)d user have been removed.",
            "The trusted browsers of %(count)d users have been removed.",
            num_parent_objects,
        ) % {"count": num_parent_objects}
