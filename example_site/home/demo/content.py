"""Editorial demo content: news and advice for clients and pros, a FAQ,
a few requests for the back office, and the staff groups. Safe to run twice
(everything is found by slug / natural key first)."""

import datetime

from django.utils import timezone
from wagtail.rich_text import RichText

from aquatiris_portal.backoffice.groups import ensure_groups
from aquatiris_portal.enquiries.models import PortalRequest
from aquatiris_portal.pages.faq import FaqPage
from aquatiris_portal.pages.news import ArticlePage, NewsIndexPage
from aquatiris_portal.snippets.faq import FaqEntry
from aquatiris_portal.snippets.models import RequestSubject

ARTICLES = [
    # slug, title, kind, audience, days ago, intro, paragraphs
    (
        "faucardage-automne",
        "Faucarder les roseaux à l'automne",
        "advice",
        "clients",
        3,
        "Une fois par an, coupez les roseaux pour garder un filtre en pleine forme.",
        [
            "Le faucardage se fait de préférence entre octobre et décembre, lorsque les tiges sont sèches.",
            "Coupez les tiges à 20 cm du sol et laissez-les sécher sur place avant de les composter.",
        ],
    ),
    (
        "nouveau-site",
        "Votre espace client est ouvert",
        "news",
        "clients",
        10,
        "Documents, garantie et demandes : tout votre suivi au même endroit.",
        [
            "Retrouvez vos études, devis, factures et garanties, classés par thème.",
            "Une question ? Envoyez-la depuis votre espace : votre franchisé vous répond.",
        ],
    ),
    (
        "regard-repartition",
        "Vérifier le regard de répartition",
        "advice",
        "both",
        20,
        "Un coup d'œil tous les mois évite bien des soucis.",
        ["Soulevez le couvercle et vérifiez que l'eau s'écoule vers chaque zone du filtre."],
    ),
    (
        "controle-spanc-2026",
        "Contrôles SPANC : le calendrier 2026",
        "news",
        "pros",
        5,
        "Les dates des prochaines campagnes de contrôle et les documents à préparer.",
        ["Les rapports déposés dans l'espace pro sont transmis automatiquement au franchisé."],
    ),
    (
        "fiche-technique-fpr",
        "Fiche technique des filtres plantés",
        "advice",
        "pros",
        15,
        "Dimensionnement, matériaux et points de contrôle d'un filtre planté de roseaux.",
        ["La fiche reprend les points vérifiés lors d'un contrôle de bon fonctionnement."],
    ),
]

FAQ = [
    (
        "Quand faut-il faucarder les roseaux ?",
        "maintenance",
        "clients",
        "<p>Une fois par an, à l'automne, lorsque les tiges sont sèches. Coupez-les à 20 cm du sol.</p>",
    ),
    (
        "Faut-il vidanger un filtre planté de roseaux ?",
        "maintenance",
        "clients",
        "<p>Non : les boues se minéralisent en surface. Un curage n'est nécessaire qu'après 10 à 15 ans.</p>",
    ),
    (
        "Que faire en cas d'odeurs ?",
        "maintenance",
        "both",
        "<p>Vérifiez que le regard de répartition n'est pas bouché, "
        "puis envoyez une demande SAV depuis votre espace.</p>",
    ),
    (
        "Comment prolonger ma garantie ?",
        "warranty",
        "clients",
        "<p>Saisissez le numéro de série de votre installation dans votre espace : "
        "le certificat apparaît dans vos documents.</p>",
    ),
    (
        "J'ai perdu mon mot de passe",
        "account",
        "both",
        "<p>Utilisez le lien « Mot de passe oublié » de la page de connexion : un lien vous est envoyé par email.</p>",
    ),
    (
        "Comment déposer un rapport de contrôle ?",
        "spanc",
        "pros",
        "<p>Ouvrez le dossier de l'installation et ajoutez le PDF : le franchisé est prévenu par email.</p>",
    ),
]


def build(home, ledger, installations):
    """Create the demo news, FAQ and requests (on the demo's own
    ``installations``) under ``home``; return the pages. Pages and entries
    found under the demo's slugs but not made by it are left as they are."""
    ensure_groups()
    news = NewsIndexPage.objects.child_of(home).first()
    if news is None:
        news = ledger.mark(
            home.add_child(
                instance=NewsIndexPage(
                    title="Actualités et conseils",
                    slug="actualites",
                    audience="both",
                    intro="<p>Les actualités d'Aquatiris et nos conseils d'entretien.</p>",
                )
            )
        )
    today = timezone.localdate()
    for slug, title, kind, audience, days, intro, paragraphs in ARTICLES:
        if ArticlePage.objects.filter(slug=slug).exists():
            continue
        body = [("paragraph", RichText(f"<p>{text}</p>")) for text in paragraphs]
        if kind == "advice":
            body.append(
                (
                    "callout",
                    {
                        "tone": "tip",
                        "title": "Le bon geste",
                        "text": RichText("<p>Notez la date de chaque intervention.</p>"),
                    },
                )
            )
        ledger.mark(
            news.add_child(
                instance=ArticlePage(
                    title=title,
                    slug=slug,
                    kind=kind,
                    audience=audience,
                    intro=intro,
                    date=today - datetime.timedelta(days=days),
                    body=body,
                )
            )
        )
    faq = FaqPage.objects.child_of(home).first()
    if faq is None:
        faq = ledger.mark(
            home.add_child(
                instance=FaqPage(
                    title="Questions fréquentes",
                    slug="questions-frequentes",
                    audience="clients",
                    intro="<p>L'entretien de votre filtre planté de roseaux et votre espace client.</p>",
                )
            )
        )
    for order, (question, topic, audience, answer) in enumerate(FAQ):
        ledger.ensure(
            FaqEntry,
            {"question": question},
            {"topic": topic, "audience": audience, "answer": answer, "sort_order": order * 10},
        )
    requests(ledger, installations[:6])
    return news, faq


def requests(ledger, installations):
    """A few requests on the demo's installations, so that the back office
    listing is not empty (made once)."""
    if PortalRequest.objects.filter(installation__in=installations).exists():
        return
    subjects = {subject.is_after_sales: subject for subject in RequestSubject.objects.order_by("sort_order")}
    now = timezone.now()
    samples = [
        ("after_sales", "new", "Odeurs", "Une odeur persiste près du regard depuis une semaine."),
        ("question", "new", "", "Quand dois-je faucarder mes roseaux cette année ?"),
        ("maintenance_contract", "in_progress", "", "Je souhaite un contrat d'entretien annuel."),
        ("after_sales", "closed", "Poste de relevage / pompe", "La pompe ne se déclenche plus."),
        ("question", "closed", "", "Où trouver ma facture ?"),
        ("after_sales", "in_progress", "Eau stagnante", "De l'eau stagne en surface du premier étage."),
    ]
    for n, (installation, (kind, status, reason, message)) in enumerate(zip(installations, samples, strict=False)):
        subject = subjects.get(kind == "after_sales")
        request = PortalRequest(
            kind=kind,
            status=status,
            client=installation.client,
            installation=installation,
            subject=subject if kind != "maintenance_contract" else None,
            subject_label=subject.name if subject and kind != "maintenance_contract" else "",
            after_sales_reason=reason,
            message=message,
            created_at=now - datetime.timedelta(hours=5 + n * 20),
        )
        request.fill_recap()
        request.save()
        ledger.mark(request)
