from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dataversion import data_changed
from core.money import Currency


class CatalogChangeCounter(models.Model):
    """One row: the last change sequence number given to a vendor or solution.

    Every write to the catalog takes the next numbers from here while holding this row's lock
    until its transaction commits (as audit.models.AuditChainHead does for the audit
    chain). So change sequence numbers become visible in order: a reader of the change feed who
    sees number n can never later find a smaller number committed behind it. A plain
    auto-increment id or a timestamp does not give that."""

    last_seq = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"#{self.last_seq}"


def reserve_change_seqs(count: int, *, using: str = "default") -> int:
    """Lock the counter until the end of the current transaction and reserve `count` numbers;
    returns the first (with count 0: the lock only, and the next number). One query."""
    if not connections[using].in_atomic_block:
        raise RuntimeError("catalog writes must run inside a transaction (the counter lock)")
    table = connections[using].ops.quote_name(CatalogChangeCounter._meta.db_table)
    for _attempt in range(2):
        with connections[using].cursor() as cursor:
            # UPDATE … RETURNING takes the row lock and reads the value in one round trip. The
            # table name is ours, quoted; the count is a parameter.
            cursor.execute(
                f"UPDATE {table} SET last_seq = last_seq + %s WHERE id = 1 RETURNING last_seq",  # noqa: S608
                [count],
            )
            row = cursor.fetchone()
        if row is not None:
            if count:
                # Every catalog write numbers its rows here, whatever the path (COPY, UPDATE …
                # FROM, save(), bulk and queryset updates): cached reads are stale after it.
                data_changed(using)
            return row[0] - count + 1
        CatalogChangeCounter.objects.using(using).get_or_create(pk=1)
    raise RuntimeError("the catalog change counter row cannot be created")


class CatalogQuerySet(models.QuerySet):
    """Bulk writes that give every row written its change sequence number and update time."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            if objs:
                first = reserve_change_seqs(len(objs), using=self.db)
                for offset, obj in enumerate(objs):
                    obj.change_seq = first + offset
            return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            if not objs:
                return 0
            first = reserve_change_seqs(len(objs), using=self.db)
            now = timezone.now()
            for offset, obj in enumerate(objs):
                obj.change_seq = first + offset
                obj.updated_at = now
            fields = [*{*fields, "change_seq", "updated_at"}]
            return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        if "change_seq" in kwargs:  # numbered by the caller (bulk_update ends here)
            return super().update(**kwargs)
        # One distinct number per row without a query per row: reserve the span of the rows'
        # ids and number each row by its id within that span (gaps are harmless).
        with transaction.atomic(using=self.db, savepoint=False):
            # The lock before reading the span: no row can join the filter in between.
            reserve_change_seqs(0, using=self.db)
            span = self.aggregate(lo=models.Min("pk"), hi=models.Max("pk"))
            if span["lo"] is None:
                return 0
            first = reserve_change_seqs(span["hi"] - span["lo"] + 1, using=self.db)
            kwargs.setdefault("updated_at", timezone.now())
            return super().update(change_seq=F("pk") - span["lo"] + first, **kwargs)


class CatalogRecord(models.Model):
    """Fields every catalog record shares: where it came from and whether it is still listed.

    Every write, whatever the path (save(), bulk_create, bulk_update, update()), gives the row
    the next change sequence number (`change_seq`) from CatalogChangeCounter: the change feed
    reads rows in that order."""

    source = models.CharField(
        _("source"),
        max_length=50,
        blank=True,
        default="",
        help_text=_(
            "The feed or system this record is synchronised from; empty when entered here."
        ),
    )
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="")
    is_deleted = models.BooleanField(
        _("removed from catalog"),
        default=False,
        help_text=_(
            "A tombstone: the source no longer lists it. Kept for proposals that refer to it."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    change_seq = models.PositiveBigIntegerField(_("change sequence"), default=0, editable=False)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            self.change_seq = reserve_change_seqs(1, using=using)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "change_seq", "updated_at"}
            super().save(*args, **kwargs)


# A record's tags: short slugs, stored normalised (stripped, lower case, sorted, each once).
TAGS_MAX = 20
TAG_MAX_LENGTH = 40


class RichRecord(models.Model):
    """What a vendor and a solution both carry besides their own fields: tags, an owner contact
    and the custom fields an administrator defines (CatalogCustomField)."""

    tags = models.JSONField(
        _("tags"),
        default=list,
        blank=True,
        help_text=_(
            "A list of short labels (letters, digits, '-', '_', '.'), stored in lower case."
        ),
    )
    owner_name = models.CharField(_("owner contact name"), max_length=150, blank=True)
    owner_email = models.EmailField(_("owner contact email"), blank=True)
    custom = models.JSONField(
        _("custom fields"),
        default=dict,
        blank=True,
        help_text=_("Values of the custom fields defined under Catalog custom fields."),
    )

    class Meta:
        abstract = True


class Vendor(CatalogRecord, RichRecord):
    name = models.CharField(_("name"), max_length=150)
    website = models.URLField(_("website"), blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 code"))
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        permissions = [("sync_catalog", _("Can synchronise the catalog through the API"))]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="vendor_source_external_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["name"], name="vendor_name"),  # catalog search, ordering
            # The change feed: WHERE change_seq > cursor ORDER BY change_seq LIMIT n.
            models.Index(fields=["change_seq"], name="vendor_change_seq"),
            # The change feed and the snapshot filtered by source (?source=): the same range
            # scan within one source, whatever the other sources hold.
            models.Index(fields=["source", "change_seq"], name="vendor_source_change_seq"),
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    TALENT_ACQUISITION = "talent_acquisition", _("Talent acquisition")
    CORE_HR_PAYROLL = "core_hr_payroll", _("Core HR and payroll")
    LEARNING = "learning", _("Learning")
    ENGAGEMENT = "engagement", _("Engagement and communication")
    PERFORMANCE = "performance", _("Performance and goals")
    MARKETING_AUTOMATION = "marketing_automation", _("Marketing automation")
    CRM = "crm", _("CRM")
    CONTENT = "content", _("Content and social")
    ANALYTICS = "analytics", _("Analytics")
    COLLABORATION = "collaboration", _("Collaboration")
    IT_OPERATIONS = "it_operations", _("IT operations")
    SECURITY = "security", _("Security and identity")


class PricingModel(models.TextChoices):
    PERPETUAL = "perpetual", _("Perpetual licence")
    PER_SEAT = "per_seat", _("Per-seat subscription")
    ON_DEMAND = "on_demand", _("On demand / usage")
    API = "api", _("API or white-label")
    FREE = "free", _("Free")


class Deployment(models.TextChoices):
    SAAS = "saas", _("SaaS")
    ON_PREMISE = "on_premise", _("On premise")
    HYBRID = "hybrid", _("Hybrid")


class SolutionLifecycle(models.TextChoices):
    ACTIVE = "active", _("Active")
    END_OF_LIFE = "end_of_life", _("End of life")


class Solution(CatalogRecord, RichRecord):
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="solutions")
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=30, choices=Category)
    pricing_model = models.CharField(_("pricing model"), max_length=20, choices=PricingModel)
    list_price = models.DecimalField(
        _("list price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    price_currency = models.CharField(
        _("price currency"), max_length=3, choices=Currency, default=Currency.EUR
    )
    price_unit = models.CharField(
        _("price unit"), max_length=40, blank=True, help_text=_("For example: per seat per month.")
    )
    deployment = models.CharField(
        _("deployment"), max_length=12, choices=Deployment, default=Deployment.SAAS
    )
    iso27001 = models.BooleanField(_("ISO 27001"), default=False)
    soc2 = models.BooleanField(_("SOC 2"), default=False)
    sso = models.BooleanField(_("single sign-on"), default=False)
    has_api = models.BooleanField(_("API available"), default=False)
    processes_personal_data = models.BooleanField(_("processes personal data"), default=False)
    data_location = models.CharField(
        _("data location"), max_length=60, blank=True, help_text=_("Where data is held, e.g. EU.")
    )
    in_use = models.BooleanField(
        _("in use"), default=False, help_text=_("Part of the organisation's tool landscape.")
    )
    lifecycle = models.CharField(
        _("lifecycle"), max_length=12, choices=SolutionLifecycle, default=SolutionLifecycle.ACTIVE
    )
    end_of_life_on = models.DateField(
        _("end of life"),
        null=True,
        blank=True,
        help_text=_("When the product is (or was) retired; required once it is end of life."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("solution")
        verbose_name_plural = _("solutions")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="solution_source_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(list_price__isnull=True) | Q(list_price__gte=0),
                name="solution_price_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(lifecycle=SolutionLifecycle.END_OF_LIFE)
                | Q(end_of_life_on__isnull=False),
                name="solution_end_of_life_dated",
            ),
        ]
        indexes = [
            # Catalog filters and "what we already use in this category".
            models.Index(fields=["category", "in_use"], name="solution_category_in_use"),
            models.Index(fields=["name"], name="solution_name"),
            # The change feed: WHERE change_seq > cursor ORDER BY change_seq LIMIT n.
            models.Index(fields=["change_seq"], name="solution_change_seq"),
            # The change feed and the snapshot filtered by source (?source=): the same range
            # scan within one source, whatever the other sources hold.
            models.Index(fields=["source", "change_seq"], name="solution_source_change_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.vendor.name})"


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date (YYYY-MM-DD)")
    BOOLEAN = "boolean", _("Yes / no")
    CHOICE = "choice", _("Choice")


class CustomFieldTarget(models.TextChoices):
    VENDOR = "vendor", _("Vendors")
    SOLUTION = "solution", _("Solutions")


class CatalogCustomField(models.Model):
    """A field of the catalog records' `custom` object, defined by an administrator. The sync
    validates each item's `custom` against the active definitions of its type (an unknown key,
    a wrong type, a missing required value, a choice not offered: the item is invalid, naming
    custom.<key>); records written before a definition changed keep what they hold."""

    key = models.SlugField(
        _("key"),
        max_length=50,
        unique=True,
        help_text=_("The name in the records' custom object, e.g. cost_centre."),
    )
    label = models.CharField(_("label"), max_length=100)
    applies_to = models.CharField(_("applies to"), max_length=10, choices=CustomFieldTarget)
    type = models.CharField(_("type"), max_length=10, choices=CustomFieldType)
    required = models.BooleanField(_("required"), default=False)
    max_length = models.PositiveIntegerField(
        _("maximum length"), null=True, blank=True, help_text=_("Text only; empty: 500.")
    )
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("Choice only: the values allowed, one a line.")
    )
    help_text = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive: no longer accepted by the sync.")
    )

    class Meta:
        ordering = ["applies_to", "key"]
        verbose_name = _("catalog custom field")
        verbose_name_plural = _("catalog custom fields")

    def __str__(self) -> str:
        return f"{self.applies_to}.{self.key}"

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.type == CustomFieldType.CHOICE and not self.choice_list:
            raise ValidationError({"choices": _("A choice field needs at least one choice.")})
        if self.type != CustomFieldType.CHOICE and self.choices.strip():
            raise ValidationError({"choices": _("Only a choice field has choices.")})
        if self.type != CustomFieldType.TEXT and self.max_length is not None:
            raise ValidationError({"max_length": _("Only a text field has a maximum length.")})


class Integration(models.Model):
    """A connection between two tools of the landscape: what breaks when one is removed."""

    source = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="integrations_out")
    target = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="integrations_in")
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="integration_unique"),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="integration_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.name} → {self.target.name}"


class IdempotencyRecord(models.Model):
    """The first answer to a catalog sync request sent with an Idempotency-Key header, so that
    a retry returns it instead of applying the request again. Kept for 24 hours."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    body = models.JSONField(_("body"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            # Also the lookup of every keyed request; two requests with one key cannot both insert.
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique"),
        ]
        # The purge of expired records.
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return self.key


class SyncRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class CatalogSyncRun(models.Model):
    """One pull of a catalog feed: what was read, what it changed, and how it ended."""

    source = models.CharField(_("source"), max_length=50)
    url = models.CharField(_("URL or file"), max_length=500)
    full = models.BooleanField(_("full sync"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=SyncRunStatus, default=SyncRunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("pages read"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("catalog sync run")
        verbose_name_plural = _("catalog sync runs")
        # The admin list, filtered by source, newest first.
        indexes = [models.Index(fields=["source", "started_at"], name="syncrun_source_started")]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class CatalogSyncSession(models.Model):
    """A full sync a push client sends in several requests (`"mode": "full"` with its own
    `sync_id` on every page, `"final": true` on the last). The keys every page lists are kept
    (CatalogSyncSessionPage) until the final page, which tombstones the records of the source
    that no page listed. A session that expires before its final page tombstones nothing.
    The row stays after the session ended, so that a late page is refused, not taken for the
    start of a new sync."""

    source = models.CharField(_("source"), max_length=50)
    sync_id = models.CharField(_("sync id"), max_length=100)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("pages received"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # The catalog's change head when the first page arrived: the final page tombstones only
    # records numbered up to it (what the sync could have seen), never one another request
    # wrote while the sync was open.
    start_seq = models.PositiveBigIntegerField(_("change head at the start"), default=0)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("catalog full-sync session")
        verbose_name_plural = _("catalog full-sync sessions")
        constraints = [
            # Also the lookup of every page; two first pages at once cannot both insert.
            models.UniqueConstraint(
                fields=["source", "sync_id"], name="syncsession_source_sync_id_unique"
            ),
        ]
        # The purge of expired sessions.
        indexes = [models.Index(fields=["expires_at"], name="syncsession_expires")]

    def __str__(self) -> str:
        return f"{self.source} {self.sync_id}"

    def is_expired(self, now=None) -> bool:
        return self.finished_at is None and self.expires_at <= (now or timezone.now())


class CatalogSyncSessionPage(models.Model):
    """The keys one page of a full-sync session listed (valid items or not): what its final
    page keeps. One row per page with the keys as lists, not one row per key: a row per key
    cost 64 ms per 5,000-item page on PostgreSQL (its unique index), a list costs ~2 ms, and
    the final page reads them all once. Deleted when the session finishes or expires."""

    session = models.ForeignKey(
        CatalogSyncSession, on_delete=models.CASCADE, related_name="listed_pages"
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    vendors = models.JSONField(_("vendor keys"), default=list, blank=True)
    solutions = models.JSONField(_("solution keys"), default=list, blank=True)

    class Meta:
        verbose_name = _("catalog full-sync page")
        verbose_name_plural = _("catalog full-sync pages")

    def __str__(self) -> str:
        return f"{self.session} {self.received_at:%Y-%m-%d %H:%M:%S}"


class CatalogSource(models.Model):
    """A source of catalog records (the `source` of vendors and solutions) and who may write to
    it through the sync API: its owner (the integration's account) and the users it was granted
    to. A full sync of a source can tombstone all of its records, so no other account may
    write to it. A source nobody registered is claimed by the first account that writes to it."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
        help_text=_("The integration's account that owns this source."),
    )
    writers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("also granted to"),
        help_text=_("Other accounts that may write to this source (their tokens too)."),
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    last_synced_at = models.DateTimeField(_("last sync"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("catalog source")
        verbose_name_plural = _("catalog sources")

    def __str__(self) -> str:
        return self.name


class SyncJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class CatalogSyncJob(models.Model):
    """A large push applied by a Celery worker (POST /api/v1/catalog/jobs/): the request's
    envelope, its items stored in chunks (CatalogSyncJobChunk) until they are applied, its
    progress and counts, and how it ended. Each invalid item is a CatalogSyncJobError."""

    source = models.CharField(_("source"), max_length=50)
    mode = models.CharField(_("mode"), max_length=10)
    dry_run = models.BooleanField(_("dry run"), default=False)
    # The envelope's flags (confirm_empty, confirm_deletions, removed), as sent.
    options = models.JSONField(_("options"), default=dict, blank=True)
    # External ids the whole request lists more than once, per type ({"vendor": {id: n}}):
    # each such item is invalid, as in a synchronous push, whichever chunk it is in.
    duplicates = models.JSONField(_("duplicate external ids"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    token = models.ForeignKey(
        "api.ApiToken",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("API token"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SyncJobStatus, default=SyncJobStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("items"), default=0)
    processed = models.PositiveIntegerField(_("items processed"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    bytes = models.PositiveBigIntegerField(_("bytes received"), default=0)
    # Runs started (a worker lost mid-job and the job queued again makes two).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # Moved on by every chunk the worker applies: a running job whose heartbeat is old has
    # lost its worker, and the sweeper queues it again (vendors.sync.jobs).
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    error_fields = models.JSONField(_("error by field"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("catalog sync job")
        verbose_name_plural = _("catalog sync jobs")
        indexes = [
            # The API's list of a source's jobs, newest first.
            models.Index(fields=["source", "-created_at"], name="syncjob_source_created"),
            # The sweeper's look for unfinished jobs.
            models.Index(fields=["status", "heartbeat_at"], name="syncjob_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.source} job {self.pk} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (SyncJobStatus.SUCCEEDED, SyncJobStatus.FAILED)


class CatalogSyncJobChunk(models.Model):
    """Up to a push's worth of one job's items of one kind, as JSON text, applied in order
    (`number`: the vendors first, then the solutions, as in one push) in one transaction each
    and deleted in that transaction: what is left is what the job still has to do."""

    job = models.ForeignKey(CatalogSyncJob, on_delete=models.CASCADE, related_name="chunks")
    # Vendors (0) before solutions (1), as one push writes them; then in the order sent.
    phase = models.PositiveSmallIntegerField(_("phase"))
    number = models.PositiveIntegerField(_("number"))
    # The position of the chunk's first item in the job (its items' `index` in errors).
    first_index = models.PositiveIntegerField(_("first item"))
    size = models.PositiveIntegerField(_("items"))
    # JSON with only ASCII (\u escapes): any string a client sent, even one PostgreSQL could
    # not store as text (a lone surrogate), is kept and reported by the item's validation.
    items = models.TextField(_("items"))

    class Meta:
        ordering = ["job", "phase", "number"]
        constraints = [
            # Also the worker's look for the next chunk.
            models.UniqueConstraint(
                fields=["job", "phase", "number"], name="syncjobchunk_job_phase_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} {self.phase}.{self.number}"


class CatalogSyncJobError(models.Model):
    """One invalid item of a job, by its position in the request (vendors first, then
    solutions, then removals): the job's errors are paged by (job, index)."""

    job = models.ForeignKey(CatalogSyncJob, on_delete=models.CASCADE, related_name="item_errors")
    index = models.PositiveIntegerField(_("item"))
    type = models.CharField(_("type"), max_length=10)
    # Empty when the item had none that could be read.
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    errors = models.JSONField(_("errors"), default=dict)

    class Meta:
        ordering = ["job", "index"]
        constraints = [
            # Also the keyset paging of a job's errors.
            models.UniqueConstraint(fields=["job", "index"], name="syncjoberror_job_index"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} #{self.index}"
