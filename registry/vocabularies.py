"""Coded vocabularies of the record. Where a NAACCR item exists the stored value is its code."""

from django.db import models


class DatePrecision(models.TextChoices):
    """How much of a clinical date is known (NAACCR dates may be YYYYMMDD, YYYYMM or YYYY)."""

    DAY = "D", "Day"
    MONTH = "M", "Month"
    YEAR = "Y", "Year"


class Sex(models.IntegerChoices):
    """NAACCR item 220."""

    MALE = 1, "Male"
    FEMALE = 2, "Female"
    OTHER = 3, "Other (intersex, disorders of sex development)"
    TRANSSEXUAL_NOS = 4, "Transsexual, NOS"
    TRANSSEXUAL_NATAL_MALE = 5, "Transsexual, natal male"
    TRANSSEXUAL_NATAL_FEMALE = 6, "Transsexual, natal female"
    UNKNOWN = 9, "Unknown"


class Race(models.TextChoices):
    """NAACCR item 160 (race 1); the commonest codes."""

    WHITE = "01", "White"
    BLACK = "02", "Black"
    AMERICAN_INDIAN = "03", "American Indian, Aleutian, or Eskimo"
    CHINESE = "04", "Chinese"
    JAPANESE = "05", "Japanese"
    FILIPINO = "06", "Filipino"
    HAWAIIAN = "07", "Hawaiian"
    KOREAN = "08", "Korean"
    VIETNAMESE = "10", "Vietnamese"
    ASIAN_INDIAN_PAKISTANI = "15", "Asian Indian or Pakistani, NOS"
    OTHER_ASIAN = "96", "Other Asian"
    PACIFIC_ISLANDER = "97", "Pacific Islander, NOS"
    OTHER = "98", "Other"
    UNKNOWN = "99", "Unknown"


class HispanicOrigin(models.TextChoices):
    """NAACCR item 190."""

    NON_HISPANIC = "0", "Non-Spanish, non-Hispanic"
    MEXICAN = "1", "Mexican"
    PUERTO_RICAN = "2", "Puerto Rican"
    CUBAN = "3", "Cuban"
    SOUTH_CENTRAL_AMERICAN = "4", "South or Central American (except Brazil)"
    OTHER_SPANISH = "5", "Other specified Spanish/Hispanic origin"
    SPANISH_NOS = "6", "Spanish, NOS; Hispanic, NOS; Latino, NOS"
    SURNAME_ONLY = "7", "Spanish surname only"
    DOMINICAN = "8", "Dominican Republic"
    UNKNOWN = "9", "Unknown whether Spanish or not"


class VitalStatus(models.IntegerChoices):
    """NAACCR item 1760."""

    DEAD = 0, "Dead"
    ALIVE = 1, "Alive"


class CauseOfDeath(models.TextChoices):
    IMT = "imt", "IMT"
    TREATMENT = "treatment", "Treatment-related"
    OTHER = "other", "Other cause"
    UNKNOWN = "unknown", "Unknown"


class FollowUpStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    LOST = "lost", "Lost to follow-up"
    TRANSFERRED = "transferred", "Transferred"


class ConsentStatus(models.TextChoices):
    CONSENTED = "consented", "Consented"
    WAIVER = "waiver", "Waiver of consent"
    WITHDRAWN = "withdrawn", "Withdrawn"


class BasisOfDiagnosis(models.IntegerChoices):
    """NAACCR item 490, diagnostic confirmation."""

    POSITIVE_HISTOLOGY = 1, "Positive histology"
    POSITIVE_CYTOLOGY = 2, "Positive cytology"
    MICROSCOPIC_NOS = 4, "Positive microscopic confirmation, method not specified"
    LAB_TEST = 5, "Positive laboratory test or marker study"
    DIRECT_VISUALIZATION = 6, "Direct visualization without microscopic confirmation"
    IMAGING = 7, "Radiography or other imaging without microscopic confirmation"
    CLINICAL = 8, "Clinical diagnosis only"
    UNKNOWN = 9, "Unknown whether microscopically confirmed"


class Laterality(models.IntegerChoices):
    """NAACCR item 410."""

    NOT_PAIRED = 0, "Not a paired site"
    RIGHT = 1, "Right"
    LEFT = 2, "Left"
    ONE_SIDE = 3, "Only one side, side unspecified"
    BILATERAL = 4, "Bilateral"
    MIDLINE = 5, "Paired site, midline tumor"
    UNKNOWN = 9, "Paired site, lateral origin unknown"


class Behavior(models.IntegerChoices):
    """ICD-O-3 behavior (NAACCR 523) allowed for IMT: 8825/1, and 8825/3 for the epithelioid variant."""

    UNCERTAIN = 1, "/1 Uncertain whether benign or malignant"
    MALIGNANT = 3, "/3 Malignant"


IMT_HISTOLOGY = 8825


class Variant(models.TextChoices):
    CONVENTIONAL = "conventional", "Conventional IMT"
    EPITHELIOID = "epithelioid", "Epithelioid inflammatory myofibroblastic sarcoma"
    OTHER = "other", "Other or not specified"


class SizeCode(models.IntegerChoices):
    """NAACCR item 756 descriptive codes, used when no measurement in mm is known."""

    MICROSCOPIC = 990, "Microscopic focus only"
    LESS_THAN_1CM = 991, "Described as less than 1 cm"
    LESS_THAN_2CM = 992, "Described as less than 2 cm"
    LESS_THAN_3CM = 993, "Described as less than 3 cm"
    LESS_THAN_4CM = 994, "Described as less than 4 cm"
    LESS_THAN_5CM = 995, "Described as less than 5 cm"
    UNKNOWN = 999, "Unknown; size not stated"


class SiteGroup(models.TextChoices):
    HEAD_NECK = "head_neck", "Head and neck"
    LUNG_THORAX = "lung_thorax", "Lung and thorax"
    ABDOMEN_PELVIS = "abdomen_pelvis", "Abdomen, pelvis and retroperitoneum"
    GENITOURINARY = "genitourinary", "Genitourinary"
    TRUNK_EXTREMITIES = "trunk_extremities", "Trunk and extremities"
    OTHER = "other", "Other"


class Detection(models.TextChoices):
    SYMPTOMS = "symptoms", "Symptoms"
    INCIDENTAL = "incidental", "Incidental on imaging"
    PALPABLE_MASS = "palpable_mass", "Palpable mass"
    UNKNOWN = "unknown", "Unknown"


class SurgeryExtent(models.TextChoices):
    COMPLETE = "complete", "Complete resection"
    INCOMPLETE = "incomplete", "Incomplete resection or debulking"
    BIOPSY = "biopsy", "Biopsy only"


class Margin(models.TextChoices):
    """Residual tumor classification."""

    R0 = "R0", "R0 - no residual tumor"
    R1 = "R1", "R1 - microscopic residual"
    R2 = "R2", "R2 - macroscopic residual"
    RX = "RX", "RX - cannot be assessed"


# NAACCR item 1320, rxSummSurgicalMargins.
MARGIN_TO_NAACCR = {Margin.R0: "0", Margin.R1: "2", Margin.R2: "3", Margin.RX: "7"}
NAACCR_NO_RESECTION = "8"


class Gene(models.TextChoices):
    ALK = "ALK", "ALK"
    ROS1 = "ROS1", "ROS1"
    NTRK1 = "NTRK1", "NTRK1"
    NTRK2 = "NTRK2", "NTRK2"
    NTRK3 = "NTRK3", "NTRK3"
    RET = "RET", "RET"
    PDGFRB = "PDGFRB", "PDGFRB"
    IGF1R = "IGF1R", "IGF1R"
    OTHER = "other", "Other"


NTRK_GENES = (Gene.NTRK1, Gene.NTRK2, Gene.NTRK3)
KINASE_FUSION_GENES = (Gene.ALK, Gene.ROS1, *NTRK_GENES, Gene.RET, Gene.PDGFRB)


class TestMethod(models.TextChoices):
    IHC = "ihc", "Immunohistochemistry"
    PAN_TRK_IHC = "pan_trk_ihc", "Pan-TRK immunohistochemistry"
    FISH = "fish", "FISH break-apart"
    RT_PCR = "rt_pcr", "RT-PCR"
    DNA_NGS = "dna_ngs", "DNA next-generation sequencing"
    RNA_NGS = "rna_ngs", "RNA next-generation sequencing"


SCREENING_METHODS = (TestMethod.IHC, TestMethod.PAN_TRK_IHC)
# IHC and break-apart FISH show that a gene is rearranged, not with which partner.
METHODS_WITHOUT_PARTNER = (TestMethod.IHC, TestMethod.PAN_TRK_IHC, TestMethod.FISH)


class IhcClone(models.TextChoices):
    D5F3 = "D5F3", "D5F3"
    A5A4 = "5A4", "5A4"
    ALK1 = "ALK1", "ALK1"
    D4D6 = "D4D6", "D4D6 (ROS1)"
    EPR17341 = "EPR17341", "EPR17341 (pan-TRK)"
    OTHER = "other", "Other"


class TestResult(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"
    EQUIVOCAL = "equivocal", "Equivocal"
    FAILED = "failed", "Failed"


class FusionPartner(models.TextChoices):
    TPM3 = "TPM3", "TPM3"
    TPM4 = "TPM4", "TPM4"
    CLTC = "CLTC", "CLTC"
    RANBP2 = "RANBP2", "RANBP2"
    CARS1 = "CARS1", "CARS1"
    ATIC = "ATIC", "ATIC"
    SEC31A = "SEC31A", "SEC31A"
    PPFIBP1 = "PPFIBP1", "PPFIBP1"
    EML4 = "EML4", "EML4"
    DCTN1 = "DCTN1", "DCTN1"
    TFG = "TFG", "TFG"
    RRBP1 = "RRBP1", "RRBP1"
    FN1 = "FN1", "FN1"
    ETV6 = "ETV6", "ETV6"
    OTHER = "other", "Other"


class GeneStatus(models.TextChoices):
    """A tumor's derived status for one gene (or gene family)."""

    POSITIVE = "positive", "Positive"
    SCREEN_POSITIVE = "screen_positive", "Screen positive, unconfirmed"
    NEGATIVE = "negative", "Negative"
    EQUIVOCAL = "equivocal", "Equivocal"
    UNKNOWN = "unknown", "Unknown"


class FusionStatus(models.TextChoices):
    YES = "yes", "Kinase fusion present"
    NO = "no", "No kinase fusion found"
    UNKNOWN = "unknown", "Unknown"


class TreatmentCategory(models.TextChoices):
    ALK_INHIBITOR = "alk_inhibitor", "ALK inhibitor"
    ROS1_NTRK_INHIBITOR = "ros1_ntrk_inhibitor", "ROS1/NTRK inhibitor"
    CHEMOTHERAPY = "chemotherapy", "Chemotherapy"
    CORTICOSTEROID = "corticosteroid", "Corticosteroid"
    NSAID = "nsaid", "NSAID"
    RADIOTHERAPY = "radiotherapy", "Radiotherapy"
    OTHER = "other", "Other"


SYSTEMIC_CATEGORIES = (
    TreatmentCategory.ALK_INHIBITOR,
    TreatmentCategory.ROS1_NTRK_INHIBITOR,
    TreatmentCategory.CHEMOTHERAPY,
)


class Agent(models.TextChoices):
    CRIZOTINIB = "crizotinib", "Crizotinib"
    CERITINIB = "ceritinib", "Ceritinib"
    ALECTINIB = "alectinib", "Alectinib"
    BRIGATINIB = "brigatinib", "Brigatinib"
    LORLATINIB = "lorlatinib", "Lorlatinib"
    ENTRECTINIB = "entrectinib", "Entrectinib"
    LAROTRECTINIB = "larotrectinib", "Larotrectinib"
    REPOTRECTINIB = "repotrectinib", "Repotrectinib"
    METHOTREXATE_VINBLASTINE = "methotrexate_vinblastine", "Methotrexate and vinblastine"
    DOXORUBICIN_IFOSFAMIDE = "doxorubicin_ifosfamide", "Doxorubicin and ifosfamide"
    PREDNISONE = "prednisone", "Prednisone"
    IBUPROFEN = "ibuprofen", "Ibuprofen"
    CELECOXIB = "celecoxib", "Celecoxib"
    EXTERNAL_BEAM = "external_beam", "External beam radiotherapy"
    OTHER = "other", "Other"


class TreatmentIntent(models.TextChoices):
    NEOADJUVANT = "neoadjuvant", "Neoadjuvant"
    ADJUVANT = "adjuvant", "Adjuvant"
    DEFINITIVE = "definitive", "Definitive"
    PALLIATIVE = "palliative", "Palliative"


class EndReason(models.TextChoices):
    COMPLETED = "completed", "Completed"
    PROGRESSION = "progression", "Progression"
    TOXICITY = "toxicity", "Toxicity"
    PATIENT_CHOICE = "patient_choice", "Patient choice"
    OTHER = "other", "Other"


class Response(models.TextChoices):
    """Best response by RECIST 1.1."""

    CR = "CR", "Complete response"
    PR = "PR", "Partial response"
    SD = "SD", "Stable disease"
    PD = "PD", "Progressive disease"
    NE = "NE", "Not evaluable"


class ImagingPurpose(models.TextChoices):
    STAGING = "staging", "Diagnosis and staging"
    SURVEILLANCE = "surveillance", "Surveillance"
    RESPONSE = "response", "Response assessment"


class Modality(models.TextChoices):
    CT = "ct", "CT"
    MRI = "mri", "MRI"
    PET_CT = "pet_ct", "PET-CT"
    ULTRASOUND = "ultrasound", "Ultrasound"
    RADIOGRAPH = "radiograph", "Radiograph"
    CYSTOSCOPY = "cystoscopy", "Cystoscopy"


class ImagingRegion(models.TextChoices):
    CHEST = "chest", "Chest"
    ABDOMEN_PELVIS = "abdomen_pelvis", "Abdomen and pelvis"
    HEAD_NECK = "head_neck", "Head and neck"
    PRIMARY_SITE = "primary_site", "Primary site"
    WHOLE_BODY = "whole_body", "Whole body"
    BLADDER = "bladder", "Bladder"
    OTHER = "other", "Other"


class ImagingResult(models.TextChoices):
    NED = "ned", "No evidence of disease"
    STABLE_RESIDUAL = "stable_residual", "Stable residual disease"
    LOCAL_RECURRENCE = "local_recurrence", "Local recurrence"
    REGIONAL_RECURRENCE = "regional_recurrence", "Regional recurrence"
    DISTANT_METASTASIS = "distant_metastasis", "Distant metastasis"
    PROGRESSION = "progression", "Progression"
    INDETERMINATE = "indeterminate", "Indeterminate"


class EventType(models.TextChoices):
    LOCAL_RECURRENCE = "local_recurrence", "Local recurrence"
    REGIONAL_RECURRENCE = "regional_recurrence", "Regional recurrence"
    DISTANT_METASTASIS = "distant_metastasis", "Distant metastasis"
    PROGRESSION = "progression", "Progression of residual disease"


# Imaging results that suggest a disease event, and the event each suggests.
IMAGING_RESULT_EVENT = {
    ImagingResult.LOCAL_RECURRENCE: EventType.LOCAL_RECURRENCE,
    ImagingResult.REGIONAL_RECURRENCE: EventType.REGIONAL_RECURRENCE,
    ImagingResult.DISTANT_METASTASIS: EventType.DISTANT_METASTASIS,
    ImagingResult.PROGRESSION: EventType.PROGRESSION,
}


class EventBasis(models.TextChoices):
    IMAGING = "imaging", "Imaging"
    PATHOLOGY = "pathology", "Pathology"
    CLINICAL = "clinical", "Clinical"


class MetastaticSite(models.TextChoices):
    """Organ of distant disease; NAACCR recurrenceType1st codes 51-59."""

    PERITONEUM = "51", "Peritoneum"
    LUNG = "52", "Lung"
    PLEURA = "53", "Pleura"
    LIVER = "54", "Liver"
    BONE = "55", "Bone"
    CNS = "56", "Central nervous system"
    SKIN = "57", "Skin"
    DISTANT_NODES = "58", "Distant lymph nodes"
    SYSTEMIC = "59", "Distant systemic (e.g. bone marrow)"
