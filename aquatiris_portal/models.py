"""Django finds every model of the package through this module; each room
keeps its own models."""

from .accounts.models import Membership, PortalAccount  # noqa: F401
from .accounts.staff_people_models import RecordPeople  # noqa: F401
from .accounts.trusted_browser_models import TrustedBrowser  # noqa: F401
from .backoffice.models import StaffVisit  # noqa: F401
from .enquiries.archive_models import PersonalArchive  # noqa: F401
from .enquiries.models import (  # noqa: F401
    DocumentLink,
    DocumentLinkUse,
    PortalRequest,
    ReplyLink,
    ReplyLinkUse,
    RequestAttachment,
    RequestExport,
    RequestMessage,
    WarrantyExtension,
)
from .enquiries.pending_uploads import PendingUpload  # noqa: F401
from .enquiries.proof_models import ProofRequest  # noqa: F401
from .notifications.models import OutgoingMail  # noqa: F401
from .notifications.preferences import NotificationPreference  # noqa: F401
from .pages.models import *  # noqa: F401,F403
from .records.models import (  # noqa: F401
    Client,
    Franchisee,
    Installation,
    PortalDocument,
    Spanc,
    SpancFolderCount,
)
from .records.themes import DocumentTheme  # noqa: F401
from .records.visits import Visit  # noqa: F401
from .security_log.access_models import DocumentAccess  # noqa: F401
from .security_log.models import SecurityEvent  # noqa: F401
from .snippets.faq import FaqEntry  # noqa: F401
from .snippets.models import AfterSalesReason, RequestSubject, SpancDocumentType  # noqa: F401
from .snippets.proof_kinds import ProofKind  # noqa: F401
from .snippets.seasonal import SeasonalTask  # noqa: F401
from .snippets.site_settings import PortalSettings  # noqa: F401
from .snippets.stages import ProjectStage  # noqa: F401
from .sync.models import ImportedExport, ImportRun, OutboxEvent, QuarantinedRecord, SyncState  # noqa: F401
