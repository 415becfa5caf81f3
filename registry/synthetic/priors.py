"""Priors of the synthetic cohort: shares, weights and rhythms drawn from published IMT series
(shared reference README, "Published figures"), and the deliberate data-quality problems planted so
the findings have something to find (`PLANTED_PROBLEMS`)."""

from __future__ import annotations

from registry.vocabularies import (
    Agent,
    FusionPartner,
    HispanicOrigin,
    IhcClone,
    ImagingResult,
    Margin,
    Race,
    Response,
    SiteGroup,
    SizeCode,
)

MONTH_DAYS = 30.4375
YEAR_DAYS = 365.25
CHANGE_REASON = "synthetic cohort"
GENERATOR_USERNAME = "generator"
COORDINATOR_USERNAMES = ("coord1", "coord2", "coord3")
DEFAULT_BATCH_PATIENTS = 2000

# Site groups and the ICD-O-3 topography codes within each, with weights (published site shares).
SITE_GROUP_WEIGHTS = {
    SiteGroup.ABDOMEN_PELVIS: 45,
    SiteGroup.LUNG_THORAX: 27,
    SiteGroup.HEAD_NECK: 13,
    SiteGroup.GENITOURINARY: 11,
    SiteGroup.TRUNK_EXTREMITIES: 4,
}
TOPOGRAPHY_WEIGHTS = {
    SiteGroup.ABDOMEN_PELVIS: {
        "C48.1": 24,
        "C48.0": 14,
        "C48.2": 4,
        "C49.4": 8,
        "C49.5": 7,
        "C17.9": 7,
        "C18.9": 5,
        "C16.9": 6,
        "C22.0": 8,
        "C25.9": 3,
        "C42.2": 3,
        "C76.2": 3,
        "C76.3": 2,
        "C17.2": 3,
        "C18.0": 3,
    },
    SiteGroup.LUNG_THORAX: {
        "C34.1": 28,
        "C34.3": 26,
        "C34.2": 8,
        "C34.9": 12,
        "C34.0": 4,
        "C33.9": 4,
        "C38.4": 5,
        "C38.3": 4,
        "C49.3": 5,
        "C15.9": 3,
        "C38.0": 1,
    },
    SiteGroup.HEAD_NECK: {
        "C31.0": 14,
        "C30.0": 12,
        "C32.9": 12,
        "C69.6": 12,
        "C07.9": 8,
        "C06.9": 8,
        "C11.9": 8,
        "C73.9": 5,
        "C49.0": 13,
        "C41.1": 8,
    },
    SiteGroup.GENITOURINARY: {"C67.9": 40, "C67.2": 10, "C64.9": 14, "C68.0": 4, "C65.9": 3},
    SiteGroup.TRUNK_EXTREMITIES: {"C49.1": 25, "C49.2": 30, "C49.6": 25, "C50.9": 10, "C44.5": 5, "C40.2": 5},
}
# Sex-specific genitourinary sites, added to the genitourinary table for that sex only.
FEMALE_GU = {"C54.9": 12, "C55.9": 10, "C53.9": 4}
MALE_GU = {"C63.1": 8, "C62.9": 4}
# Paired organs (NAACCR 410 requires a side) among the codes above.
PAIRED_SITES = {
    "C07.9",
    "C30.0",
    "C31.0",
    "C34.0",
    "C34.1",
    "C34.2",
    "C34.3",
    "C34.9",
    "C38.4",
    "C40.2",
    "C44.5",
    "C49.1",
    "C49.2",
    "C50.9",
    "C62.9",
    "C63.1",
    "C64.9",
    "C65.9",
    "C69.6",
}
# Median largest dimension (mm) by site group; overall median about 40 mm.
SIZE_MEDIAN_MM = {
    SiteGroup.ABDOMEN_PELVIS: 55,
    SiteGroup.LUNG_THORAX: 32,
    SiteGroup.HEAD_NECK: 26,
    SiteGroup.GENITOURINARY: 34,
    SiteGroup.TRUNK_EXTREMITIES: 38,
}
SIZE_SIGMA = 0.85
SIZE_MAX_MM = 250
SIZE_CODE_WEIGHTS = {
    SizeCode.UNKNOWN: 50,
    SizeCode.LESS_THAN_5CM: 12,
    SizeCode.LESS_THAN_3CM: 10,
    SizeCode.LESS_THAN_2CM: 8,
    SizeCode.LESS_THAN_1CM: 5,
    SizeCode.MICROSCOPIC: 3,
}

ALK_PARTNER_WEIGHTS = {
    FusionPartner.TPM3: 20,
    FusionPartner.TPM4: 15,
    FusionPartner.CLTC: 15,
    FusionPartner.CARS1: 5,
    FusionPartner.ATIC: 8,
    FusionPartner.SEC31A: 5,
    FusionPartner.PPFIBP1: 5,
    FusionPartner.EML4: 6,
    FusionPartner.DCTN1: 4,
    FusionPartner.TFG: 4,
    FusionPartner.RRBP1: 4,
    FusionPartner.FN1: 4,
    FusionPartner.RANBP2: 2,
    FusionPartner.OTHER: 3,
}
ROS1_PARTNER_WEIGHTS = {
    FusionPartner.TFG: 40,
    FusionPartner.TPM3: 15,
    FusionPartner.CLTC: 10,
    FusionPartner.OTHER: 35,
}
ALK_CLONE_WEIGHTS = {IhcClone.D5F3: 55, IhcClone.ALK1: 25, IhcClone.A5A4: 20}
ALK_INHIBITOR_WEIGHTS = {
    Agent.CRIZOTINIB: 75,
    Agent.ALECTINIB: 10,
    Agent.CERITINIB: 7,
    Agent.LORLATINIB: 5,
    Agent.BRIGATINIB: 3,
}
RESPONSE_ON_TARGET = {Response.CR: 20, Response.PR: 55, Response.SD: 17, Response.PD: 5, Response.NE: 3}
RESPONSE_OFF_TARGET = {Response.CR: 8, Response.PR: 25, Response.SD: 40, Response.PD: 22, Response.NE: 5}
RESPONSE_IMAGING = {
    Response.CR: ImagingResult.NED,
    Response.PR: ImagingResult.STABLE_RESIDUAL,
    Response.SD: ImagingResult.STABLE_RESIDUAL,
    Response.PD: ImagingResult.PROGRESSION,
    Response.NE: ImagingResult.INDETERMINATE,
}
# Margins among resections: complete 66%, microscopic residual 20%, macroscopic residual 14%; a few RX.
MARGIN_WEIGHTS = {Margin.R0: 66, Margin.R1: 20, Margin.R2: 14}
RX_SHARE = 0.02
BIOPSY_ONLY_SHARE = 0.11
# Probability of a first recurrence or progression, by margin (0-13% after R0, 33-60% after R1/R2).
EVENT_RISK = {Margin.R0: 0.065, Margin.R1: 0.36, Margin.R2: 0.45, Margin.RX: 0.18, "biopsy": 0.35}
SITE_RISK_FACTOR = {SiteGroup.ABDOMEN_PELVIS: 1.3, SiteGroup.LUNG_THORAX: 0.7}
# Surveillance rhythm: (until month, every n months) from the end of primary treatment.
SURVEILLANCE_RHYTHM = ((12, 3), (24, 4), (60, 6))
SURVEILLANCE_LATER_EVERY = 12
MISSED_VISIT_SHARE = 0.06
LOST_SHARE, TRANSFERRED_SHARE = 0.08, 0.03
PARTIAL_DIAGNOSIS_SHARE = 0.025
RACE_WEIGHTS = {
    Race.WHITE: 62,
    Race.BLACK: 13,
    Race.CHINESE: 2,
    Race.JAPANESE: 1,
    Race.FILIPINO: 1,
    Race.KOREAN: 1,
    Race.VIETNAMESE: 1,
    Race.ASIAN_INDIAN_PAKISTANI: 2,
    Race.OTHER_ASIAN: 1,
    Race.AMERICAN_INDIAN: 1,
    Race.PACIFIC_ISLANDER: 1,
    Race.OTHER: 4,
    Race.UNKNOWN: 10,
}
HISPANIC_WEIGHTS = {
    HispanicOrigin.NON_HISPANIC: 76,
    HispanicOrigin.MEXICAN: 9,
    HispanicOrigin.PUERTO_RICAN: 2,
    HispanicOrigin.CUBAN: 1,
    HispanicOrigin.SOUTH_CENTRAL_AMERICAN: 2,
    HispanicOrigin.SPANISH_NOS: 3,
    HispanicOrigin.UNKNOWN: 7,
}
INSTITUTION_NAMES = (
    "Riverside Children's Hospital",
    "St. Anne University Medical Center",
    "Lakeshore Cancer Institute",
    "Northgate Pediatric Hospital",
    "Mercy Valley Hospital",
    "Westbrook University Hospital",
    "Harbor View Medical Center",
    "Pinecrest Children's Medical Center",
    "Summit Regional Cancer Center",
    "Oakridge Sarcoma Center",
)
AREA_CODES = (
    "212",
    "312",
    "415",
    "617",
    "713",
    "206",
    "303",
    "404",
    "512",
    "614",
    "615",
    "704",
    "801",
    "919",
)

# Deliberate data-quality problems (DESIGN section 5 soft rules): share of patients, and the minimum count
# planted in any cohort of at least MIN_PATIENTS_FOR_PROBLEMS patients.
PLANTED_PROBLEMS = {
    "imaging_without_event": (0.010, 1),
    "alk_ihc_fish_disagree": (0.002, 1),
    "partner_from_ihc": (0.001, 1),
    "fish_needs_more_nuclei": (0.002, 1),
    "stale_active": (0.002, 1),
    "oversize": (0.0005, 2),
    "malignant_not_epithelioid": (0.0005, 1),
}
MIN_PATIENTS_FOR_PROBLEMS = 50
