"""The IMT record: patients, tumors, presentation, surgery, molecular tests, treatment, imaging, events.

Every clinical model keeps history (django-simple-history). Vocabularies are choices backed by named
check constraints; rules that span tables live in `registry.validation` and are called from `clean()`.
Derived columns (site group, gene status, definitive resection, follow-up dates) are refreshed by
`registry.services.tumor_refresh_derived` and never edited by hand.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from registry import validation
from registry.coding import normalize_topography, site_group_for
from registry.dates import DAYS_PER_YEAR, PartialDate, impute, normalize
from registry.vocabularies import (
    IMT_HISTOLOGY,
    Agent,
    BasisOfDiagnosis,
    Behavior,
    CauseOfDeath,
    ConsentStatus,
    DatePrecision,
    Detection,
    EndReason,
    EventBasis,
    EventType,
    FollowUpStatus,
    FusionPartner,
    FusionStatus,
    Gene,
    GeneStatus,
    HispanicOrigin,
    IhcClone,
    ImagingPurpose,
    ImagingRegion,
    ImagingResult,
    Laterality,
    Margin,
    Modality,
    Race,
    Response,
    Sex,
    SiteGroup,
    SizeCode,
    SurgeryExtent,
    TestMethod,
    TestResult,
    TreatmentCategory,
    TreatmentIntent,
    Variant,
    VitalStatus,
)


def choice_constraint(model: str, field: str, choices, *, nullable: bool = False) -> models.CheckConstraint:
    """A named check constraint that keeps `field` inside its vocabulary."""
    condition = Q(**{f"{field}__in": list(choices.values)})
    if nullable:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=condition, name=f"{model}_{field}_valid")


def precision_field(verbose_name: str) -> models.CharField:
    return models.CharField(
        verbose_name, max_length=1, choices=DatePrecision.choices, default=DatePrecision.DAY
    )


class Institution(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RegistryNumberSequence(models.Model):
    """Counters for numbers that are never reused, even after a delete (registry numbers)."""

    name = models.CharField(max_length=40, unique=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


class Patient(models.Model):
    registry_number = models.PositiveIntegerField(
        unique=True, editable=False, help_text="Stable, never reused; exported as NAACCR patientIdNumber."
    )
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="patients"
    )
    medical_record_number = models.CharField("MRN", max_length=40, blank=True)
    source_registry = models.CharField(
        max_length=40, blank=True, help_text="Registry a case was imported from (with its patient ID)."
    )
    source_patient_id = models.CharField("source patient ID", max_length=40, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    date_of_birth_precision = precision_field("birth date precision")
    sex = models.PositiveSmallIntegerField(choices=Sex.choices, default=Sex.UNKNOWN)
    race = models.CharField(max_length=2, choices=Race.choices, blank=True)
    hispanic_origin = models.CharField(max_length=1, choices=HispanicOrigin.choices, blank=True)
    vital_status = models.PositiveSmallIntegerField(choices=VitalStatus.choices, default=VitalStatus.ALIVE)
    date_of_death = models.DateField(null=True, blank=True)
    date_of_death_precision = precision_field("death date precision")
    cause_of_death = models.CharField(max_length=12, choices=CauseOfDeath.choices, blank=True)
    date_of_last_contact = models.DateField(null=True, blank=True)
    date_of_last_contact_precision = precision_field("last contact precision")
    follow_up_status = models.CharField(
        max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.ACTIVE
    )
    consent_status = models.CharField(
        max_length=12, choices=ConsentStatus.choices, default=ConsentStatus.CONSENTED
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coordinated_patients",
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    guardian_name = models.CharField("parent or guardian", max_length=200, blank=True)
    guardian_phone = models.CharField("parent or guardian phone", max_length=40, blank=True)
    # Derived by registry.services.patient_refresh_derived: latest of last contact, any dated record, death.
    last_contact = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["last_contact", "updated_at"])

    IDENTIFIER_FIELDS = (
        "medical_record_number",
        "last_name",
        "first_name",
        "date_of_birth",
        "phone",
        "email",
        "guardian_name",
        "guardian_phone",
    )

    class Meta:
        ordering = ["registry_number"]
        permissions = [
            ("view_identifiers", "Can see names, MRN, birth date and contact details"),
            ("export_registry_files", "Can export identified NAACCR and FHIR files"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(~Q(medical_record_number="") & Q(institution__isnull=False))
                | (~Q(source_registry="") & ~Q(source_patient_id="")),
                name="patient_identity_present",
            ),
            models.UniqueConstraint(
                fields=["institution", "medical_record_number"],
                condition=~Q(medical_record_number=""),
                name="patient_mrn_unique_per_institution",
            ),
            models.UniqueConstraint(
                fields=["source_registry", "source_patient_id"],
                condition=~Q(source_patient_id=""),
                name="patient_source_id_unique",
            ),
            choice_constraint("patient", "sex", Sex),
            models.CheckConstraint(condition=Q(race="") | Q(race__in=Race.values), name="patient_race_valid"),
            models.CheckConstraint(
                condition=Q(hispanic_origin="") | Q(hispanic_origin__in=HispanicOrigin.values),
                name="patient_hispanic_origin_valid",
            ),
            choice_constraint("patient", "vital_status", VitalStatus),
            models.CheckConstraint(
                condition=Q(cause_of_death="") | Q(cause_of_death__in=CauseOfDeath.values),
                name="patient_cause_of_death_valid",
            ),
            choice_constraint("patient", "follow_up_status", FollowUpStatus),
            choice_constraint("patient", "consent_status", ConsentStatus),
            choice_constraint("patient", "date_of_birth_precision", DatePrecision),
            choice_constraint("patient", "date_of_death_precision", DatePrecision),
            choice_constraint("patient", "date_of_last_contact_precision", DatePrecision),
            models.CheckConstraint(
                condition=Q(date_of_death__isnull=True)
                | Q(date_of_birth__isnull=True)
                | Q(date_of_death__gte=models.F("date_of_birth")),
                name="patient_death_after_birth",
            ),
            models.CheckConstraint(
                condition=Q(vital_status=VitalStatus.DEAD) | Q(date_of_death__isnull=True),
                name="patient_death_date_only_if_dead",
            ),
        ]
        indexes = [
            # Admin search by MRN (registrar's first step for a new pathology report).
            models.Index(fields=["medical_record_number"], name="patient_mrn_idx"),
            # Admin search by name.
            models.Index(fields=["last_name", "first_name"], name="patient_name_idx"),
            # Worklist and admin filter: a coordinator's patients.
            models.Index(fields=["coordinator", "follow_up_status"], name="patient_coordinator_idx"),
            # Exports and reports exclude withdrawn consent.
            models.Index(fields=["consent_status"], name="patient_consent_idx"),
        ]

    def __str__(self) -> str:
        return f"Patient {self.registry_number_display}"

    @property
    def registry_number_display(self) -> str:
        return f"{self.registry_number:08d}" if self.registry_number else "(new)"

    @property
    def birth(self) -> PartialDate | None:
        return PartialDate.of(self.date_of_birth, self.date_of_birth_precision)

    @property
    def death(self) -> PartialDate | None:
        return PartialDate.of(self.date_of_death, self.date_of_death_precision)

    @property
    def is_minor_contact(self) -> bool:
        return bool(self.guardian_name)

    def save(self, *args, **kwargs) -> None:
        if not self.registry_number:
            from registry.services import allocate_registry_numbers

            self.registry_number = allocate_registry_numbers(1)[0]
        self.date_of_birth = (
            normalize(self.date_of_birth, self.date_of_birth_precision) if self.date_of_birth else None
        )
        self.date_of_death = (
            normalize(self.date_of_death, self.date_of_death_precision) if self.date_of_death else None
        )
        super().save(*args, **kwargs)

    def clean(self) -> None:
        validation.raise_errors(validation.patient_errors(self))


class Tumor(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="tumors")
    tumor_record_number = models.PositiveSmallIntegerField(
        editable=False, help_text="NAACCR 60: order of this patient's tumors in the registry."
    )
    source_tumor_record_number = models.CharField(
        max_length=4,
        null=True,
        blank=True,
        editable=False,
        help_text="NAACCR 60 in the source registry's file this tumor was imported from.",
    )
    sequence_number = models.CharField(
        "sequence number (NAACCR 380)",
        max_length=2,
        default="60",
        help_text="60-87 for non-malignant (behavior /1) tumors; 00-35 for malignant.",
    )
    date_of_diagnosis = models.DateField()
    date_of_diagnosis_precision = precision_field("diagnosis date precision")
    basis_of_diagnosis = models.PositiveSmallIntegerField(
        choices=BasisOfDiagnosis.choices, default=BasisOfDiagnosis.POSITIVE_HISTOLOGY
    )
    primary_site = models.CharField(
        "primary site (ICD-O-3 topography)", max_length=5, help_text="For example C48.1 (mesentery)."
    )
    site_group = models.CharField(max_length=20, choices=SiteGroup.choices, editable=False)
    laterality = models.PositiveSmallIntegerField(choices=Laterality.choices, default=Laterality.NOT_PAIRED)
    histology = models.PositiveSmallIntegerField("histology (ICD-O-3)", default=IMT_HISTOLOGY)
    behavior = models.PositiveSmallIntegerField(choices=Behavior.choices, default=Behavior.UNCERTAIN)
    variant = models.CharField(max_length=20, choices=Variant.choices, default=Variant.CONVENTIONAL)
    size_mm = models.PositiveIntegerField("largest dimension (mm)", null=True, blank=True)
    size_code = models.PositiveSmallIntegerField(
        "descriptive size (NAACCR 756)", choices=SizeCode.choices, null=True, blank=True
    )
    multifocal = models.BooleanField(default=False)
    metastatic_at_diagnosis = models.BooleanField(default=False)
    # Derived by registry.services.tumor_refresh_derived.
    alk_status = models.CharField(
        "ALK status", max_length=16, choices=GeneStatus.choices, default=GeneStatus.UNKNOWN, editable=False
    )
    ros1_status = models.CharField(
        "ROS1 status", max_length=16, choices=GeneStatus.choices, default=GeneStatus.UNKNOWN, editable=False
    )
    ntrk_status = models.CharField(
        "NTRK status", max_length=16, choices=GeneStatus.choices, default=GeneStatus.UNKNOWN, editable=False
    )
    fusion_status = models.CharField(
        "any kinase fusion",
        max_length=8,
        choices=FusionStatus.choices,
        default=FusionStatus.UNKNOWN,
        editable=False,
    )
    definitive_resection = models.ForeignKey(
        "Surgery", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    last_disease_assessment = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=[
            "site_group",
            "alk_status",
            "ros1_status",
            "ntrk_status",
            "fusion_status",
            "definitive_resection",
            "last_disease_assessment",
            "updated_at",
        ]
    )

    class Meta:
        ordering = ["patient__registry_number", "tumor_record_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "tumor_record_number"], name="tumor_record_number_unique"
            ),
            models.UniqueConstraint(
                fields=["patient", "source_tumor_record_number"],
                condition=Q(source_tumor_record_number__isnull=False),
                name="tumor_source_record_number_unique",
            ),
            models.CheckConstraint(condition=Q(histology=IMT_HISTOLOGY), name="tumor_histology_imt"),
            choice_constraint("tumor", "behavior", Behavior),
            choice_constraint("tumor", "variant", Variant),
            choice_constraint("tumor", "basis_of_diagnosis", BasisOfDiagnosis),
            choice_constraint("tumor", "laterality", Laterality),
            choice_constraint("tumor", "site_group", SiteGroup),
            choice_constraint("tumor", "date_of_diagnosis_precision", DatePrecision),
            choice_constraint("tumor", "size_code", SizeCode, nullable=True),
            choice_constraint("tumor", "alk_status", GeneStatus),
            choice_constraint("tumor", "ros1_status", GeneStatus),
            choice_constraint("tumor", "ntrk_status", GeneStatus),
            choice_constraint("tumor", "fusion_status", FusionStatus),
            models.CheckConstraint(
                condition=Q(size_mm__isnull=True) | (Q(size_mm__gte=1) & Q(size_mm__lte=989)),
                name="tumor_size_mm_range",
            ),
            models.CheckConstraint(
                condition=Q(size_mm__isnull=True) | Q(size_code__isnull=True),
                name="tumor_size_mm_or_code",
            ),
            models.CheckConstraint(
                condition=Q(primary_site__regex=r"^C[0-9]{2}\.[0-9]$"), name="tumor_primary_site_format"
            ),
        ]
        indexes = [
            # Analysis rows, cohort criteria and admin filters by site group, ALK status, diagnosis period.
            models.Index(fields=["site_group"], name="tumor_site_group_idx"),
            models.Index(fields=["alk_status"], name="tumor_alk_status_idx"),
            models.Index(fields=["date_of_diagnosis"], name="tumor_diagnosis_date_idx"),
            # Cohort criterion: topography prefix.
            models.Index(fields=["primary_site"], name="tumor_primary_site_idx"),
        ]

    def __str__(self) -> str:
        return f"Tumor {self.tumor_record_number or '?'} of patient {self.patient.registry_number_display}"

    @property
    def diagnosis(self) -> PartialDate:
        return PartialDate.of(self.date_of_diagnosis, self.date_of_diagnosis_precision)

    @property
    def diagnosis_date_imputed(self) -> dt.date:
        return impute(self.date_of_diagnosis, self.date_of_diagnosis_precision)

    @property
    def naaccr_size(self) -> str:
        """NAACCR 756 tumorSizeSummary."""
        if self.size_mm is not None:
            return f"{self.size_mm:03d}"
        return str(self.size_code) if self.size_code else "999"

    def age_at_diagnosis(self) -> float | None:
        birth = self.patient.date_of_birth
        if birth is None:
            return None
        days = (self.diagnosis_date_imputed - impute(birth, self.patient.date_of_birth_precision)).days
        return days / DAYS_PER_YEAR

    def save(self, *args, **kwargs) -> None:
        # Site group is a pure function of the topography (fixtures/site_groups.csv).
        self.primary_site = normalize_topography(self.primary_site)
        self.site_group = site_group_for(self.primary_site)
        self.date_of_diagnosis = normalize(self.date_of_diagnosis, self.date_of_diagnosis_precision)
        if not self.tumor_record_number:
            from registry.services import next_tumor_record_number

            self.tumor_record_number = next_tumor_record_number(self.patient_id)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.primary_site:
            self.primary_site = normalize_topography(self.primary_site)
            self.site_group = site_group_for(self.primary_site)
        validation.raise_errors(validation.tumor_errors(self))


class Presentation(models.Model):
    """How a tumor came to attention, its symptoms and the inflammatory laboratory picture at diagnosis."""

    tumor = models.OneToOneField(Tumor, on_delete=models.CASCADE, related_name="presentation")
    detection = models.CharField(max_length=16, choices=Detection.choices, default=Detection.UNKNOWN)
    fever = models.BooleanField(default=False)
    night_sweats = models.BooleanField(default=False)
    weight_loss = models.BooleanField(default=False)
    cough = models.BooleanField(default=False)
    dyspnea = models.BooleanField(default=False)
    abdominal_pain = models.BooleanField(default=False)
    obstruction = models.BooleanField(default=False)
    gastrointestinal_bleeding = models.BooleanField(default=False)
    hematuria = models.BooleanField(default=False)
    palpable_mass = models.BooleanField(default=False)
    other_symptom = models.BooleanField(default=False)
    crp_mg_l = models.DecimalField("CRP (mg/L)", max_digits=6, decimal_places=1, null=True, blank=True)
    esr_mm_h = models.PositiveSmallIntegerField("ESR (mm/h)", null=True, blank=True)
    hemoglobin_g_dl = models.DecimalField(
        "hemoglobin (g/dL)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    platelets_10e9_l = models.PositiveIntegerField("platelet count (10^9/L)", null=True, blank=True)

    history = HistoricalRecords()

    SYMPTOM_FIELDS = (
        "fever",
        "night_sweats",
        "weight_loss",
        "cough",
        "dyspnea",
        "abdominal_pain",
        "obstruction",
        "gastrointestinal_bleeding",
        "hematuria",
        "palpable_mass",
        "other_symptom",
    )

    class Meta:
        constraints = [
            choice_constraint("presentation", "detection", Detection),
            models.CheckConstraint(
                condition=Q(crp_mg_l__isnull=True) | Q(crp_mg_l__gte=0), name="presentation_crp_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(hemoglobin_g_dl__isnull=True)
                | (Q(hemoglobin_g_dl__gt=0) & Q(hemoglobin_g_dl__lt=30)),
                name="presentation_hemoglobin_range",
            ),
        ]

    def __str__(self) -> str:
        return "Presentation"

    @property
    def systemic_inflammatory_symptoms(self) -> bool:
        """Any of fever, night sweats, weight loss: one of the outcome strata."""
        return self.fever or self.night_sweats or self.weight_loss

    def clean(self) -> None:
        validation.raise_errors(validation.presentation_errors(self))


class Surgery(models.Model):
    tumor = models.ForeignKey(Tumor, on_delete=models.CASCADE, related_name="surgeries")
    date = models.DateField()
    date_precision = precision_field("date precision")
    extent = models.CharField(max_length=12, choices=SurgeryExtent.choices)
    margin = models.CharField(
        "residual tumor (margin)",
        max_length=2,
        choices=Margin.choices,
        blank=True,
        help_text="Required for resections, empty for a biopsy.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]
        verbose_name_plural = "surgeries"
        constraints = [
            choice_constraint("surgery", "extent", SurgeryExtent),
            choice_constraint("surgery", "date_precision", DatePrecision),
            models.CheckConstraint(
                condition=(Q(extent=SurgeryExtent.BIOPSY) & Q(margin=""))
                | (~Q(extent=SurgeryExtent.BIOPSY) & Q(margin__in=Margin.values)),
                name="surgery_margin_for_resections_only",
            ),
        ]
        indexes = [models.Index(fields=["tumor", "date"], name="surgery_tumor_date_idx")]

    def __str__(self) -> str:
        return f"{self.get_extent_display()} {self.margin}".strip()

    @property
    def is_resection(self) -> bool:
        return self.extent != SurgeryExtent.BIOPSY

    @property
    def leaves_no_macroscopic_tumor(self) -> bool:
        """Definitive resection candidates: R0 or R1 (RX is never definitive)."""
        return self.is_resection and self.margin in (Margin.R0, Margin.R1)

    def save(self, *args, **kwargs) -> None:
        self.date = normalize(self.date, self.date_precision)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        validation.raise_errors(validation.surgery_errors(self))


class MolecularTest(models.Model):
    tumor = models.ForeignKey(Tumor, on_delete=models.CASCADE, related_name="molecular_tests")
    specimen_date = models.DateField()
    specimen_date_precision = precision_field("specimen date precision")
    gene = models.CharField(max_length=8, choices=Gene.choices)
    method = models.CharField(max_length=12, choices=TestMethod.choices)
    ihc_clone = models.CharField("IHC clone", max_length=10, choices=IhcClone.choices, blank=True)
    result = models.CharField(max_length=10, choices=TestResult.choices)
    nuclei_counted = models.PositiveIntegerField(null=True, blank=True)
    nuclei_rearranged = models.PositiveIntegerField(null=True, blank=True)
    fusion_partner = models.CharField(max_length=8, choices=FusionPartner.choices, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["specimen_date", "id"]
        constraints = [
            choice_constraint("moleculartest", "gene", Gene),
            choice_constraint("moleculartest", "method", TestMethod),
            choice_constraint("moleculartest", "result", TestResult),
            choice_constraint("moleculartest", "specimen_date_precision", DatePrecision),
            models.CheckConstraint(
                condition=Q(ihc_clone="") | Q(ihc_clone__in=IhcClone.values),
                name="moleculartest_ihc_clone_valid",
            ),
            models.CheckConstraint(
                condition=Q(fusion_partner="") | Q(fusion_partner__in=FusionPartner.values),
                name="moleculartest_fusion_partner_valid",
            ),
            models.CheckConstraint(
                condition=Q(nuclei_counted__isnull=True)
                | Q(nuclei_rearranged__isnull=True)
                | Q(nuclei_rearranged__lte=models.F("nuclei_counted")),
                name="moleculartest_fish_counts_consistent",
            ),
        ]
        indexes = [models.Index(fields=["tumor", "gene"], name="moltest_tumor_gene_idx")]

    def __str__(self) -> str:
        return f"{self.gene} {self.get_method_display()}: {self.get_result_display()}"

    @property
    def rearranged_fraction(self) -> float | None:
        if not self.nuclei_counted or self.nuclei_rearranged is None:
            return None
        return self.nuclei_rearranged / self.nuclei_counted

    def save(self, *args, **kwargs) -> None:
        self.specimen_date = normalize(self.specimen_date, self.specimen_date_precision)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        validation.raise_errors(validation.molecular_test_errors(self))


class Treatment(models.Model):
    tumor = models.ForeignKey(Tumor, on_delete=models.CASCADE, related_name="treatments")
    category = models.CharField(max_length=20, choices=TreatmentCategory.choices)
    agent = models.CharField(max_length=30, choices=Agent.choices, blank=True)
    start_date = models.DateField()
    start_date_precision = precision_field("start date precision")
    end_date = models.DateField(null=True, blank=True)
    end_date_precision = precision_field("end date precision")
    intent = models.CharField(max_length=12, choices=TreatmentIntent.choices, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    best_response = models.CharField(
        "best response (RECIST)", max_length=2, choices=Response.choices, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            choice_constraint("treatment", "category", TreatmentCategory),
            choice_constraint("treatment", "start_date_precision", DatePrecision),
            choice_constraint("treatment", "end_date_precision", DatePrecision),
            models.CheckConstraint(
                condition=Q(agent="") | Q(agent__in=Agent.values), name="treatment_agent_valid"
            ),
            models.CheckConstraint(
                condition=Q(intent="") | Q(intent__in=TreatmentIntent.values), name="treatment_intent_valid"
            ),
            models.CheckConstraint(
                condition=Q(end_reason="") | Q(end_reason__in=EndReason.values),
                name="treatment_end_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(best_response="") | Q(best_response__in=Response.values),
                name="treatment_best_response_valid",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="treatment_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["tumor", "category"], name="treatment_tumor_category_idx")]

    def __str__(self) -> str:
        return self.get_agent_display() or self.get_category_display()

    def save(self, *args, **kwargs) -> None:
        self.start_date = normalize(self.start_date, self.start_date_precision)
        if self.end_date:
            self.end_date = normalize(self.end_date, self.end_date_precision)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        validation.raise_errors(validation.treatment_errors(self))


class ImagingStudy(models.Model):
    tumor = models.ForeignKey(Tumor, on_delete=models.CASCADE, related_name="imaging_studies")
    date = models.DateField()
    date_precision = precision_field("date precision")
    purpose = models.CharField(max_length=12, choices=ImagingPurpose.choices)
    modality = models.CharField(max_length=12, choices=Modality.choices)
    region = models.CharField(
        max_length=16, choices=ImagingRegion.choices, default=ImagingRegion.PRIMARY_SITE
    )
    result = models.CharField(max_length=20, choices=ImagingResult.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]
        verbose_name_plural = "imaging studies"
        constraints = [
            choice_constraint("imagingstudy", "purpose", ImagingPurpose),
            choice_constraint("imagingstudy", "modality", Modality),
            choice_constraint("imagingstudy", "region", ImagingRegion),
            choice_constraint("imagingstudy", "date_precision", DatePrecision),
            models.CheckConstraint(
                condition=Q(result="") | Q(result__in=ImagingResult.values), name="imagingstudy_result_valid"
            ),
        ]
        indexes = [
            # Last disease assessment and surveillance: latest study per tumor.
            models.Index(fields=["tumor", "date"], name="imaging_tumor_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_modality_display()} {self.get_region_display()}"

    def save(self, *args, **kwargs) -> None:
        self.date = normalize(self.date, self.date_precision)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        validation.raise_errors(validation.imaging_errors(self))


class DiseaseEvent(models.Model):
    tumor = models.ForeignKey(Tumor, on_delete=models.CASCADE, related_name="events")
    event_type = models.CharField(max_length=20, choices=EventType.choices)
    date = models.DateField()
    date_precision = precision_field("date precision")
    metastatic_sites = models.JSONField(
        default=list, blank=True, help_text="Organs of distant disease (NAACCR recurrence type codes 51-59)."
    )
    basis = models.CharField(max_length=10, choices=EventBasis.choices, default=EventBasis.IMAGING)
    source_imaging = models.ForeignKey(
        ImagingStudy, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            choice_constraint("diseaseevent", "event_type", EventType),
            choice_constraint("diseaseevent", "basis", EventBasis),
            choice_constraint("diseaseevent", "date_precision", DatePrecision),
        ]
        indexes = [models.Index(fields=["tumor", "date"], name="event_tumor_date_idx")]

    def __str__(self) -> str:
        return self.get_event_type_display()

    def save(self, *args, **kwargs) -> None:
        self.date = normalize(self.date, self.date_precision)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        validation.raise_errors(validation.event_errors(self))


class ImportReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class ImportReview(models.Model):
    """A tumor an import did not take and a registrar must decide on (NAACCR 8825/3: IMT's epithelioid
    variant or myofibroblastic sarcoma). `items` keeps the file's raw NAACCR values needed to create the
    case later; `reason` never carries an identifier."""

    Status = ImportReviewStatus

    source_registry = models.CharField(max_length=40)
    source_patient_id = models.CharField("source patient ID", max_length=40)
    source_tumor_record_number = models.CharField(max_length=4)
    reason = models.CharField(max_length=200)
    items = models.JSONField(default=dict, help_text="Raw NAACCR items: {'patient': {...}, 'tumor': {...}}.")
    status = models.CharField(
        max_length=10, choices=ImportReviewStatus.choices, default=ImportReviewStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_registry", "source_patient_id", "source_tumor_record_number"],
                name="importreview_source_tumor_unique",
            ),
            choice_constraint("importreview", "status", ImportReviewStatus),
        ]

    def __str__(self) -> str:
        return f"Review {self.pk}: {self.reason}"
