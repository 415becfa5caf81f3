#!/usr/bin/env Rscript
# Reference figures for outcomes/statistics, computed with the R functions named in DESIGN.md
# section 6. Writes JSON files (inputs and expected outputs) to
# tests/outcomes/fixtures/r_reference/ so the Python tests never need R.
#
# Usage (from the repository root):  Rscript scripts/r/make_reference_fixtures.R
# Needs only Debian's r-base-core, r-cran-survival and r-cran-cmprsk (no jsonlite: a small JSON
# writer is below). NA, NaN and infinities are written as null.

suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script)) normalizePath(file.path(dirname(script), "..", "..")) else getwd()
out_dir <- file.path(root, "tests", "outcomes", "fixtures", "r_reference")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

# ---------------------------------------------------------------- JSON writer
json_escape <- function(s) {
  s <- gsub("\\\\", "\\\\\\\\", s)
  s <- gsub("\"", "\\\\\"", s)
  paste0("\"", s, "\"")
}
json_scalar <- function(x) {
  if (is.null(x) || length(x) == 0) return("null")
  if (is.factor(x)) x <- as.character(x)
  if (is.character(x)) return(if (is.na(x)) "null" else json_escape(x))
  if (is.logical(x)) return(if (is.na(x)) "null" else if (x) "true" else "false")
  if (!is.finite(x)) return("null")
  if (x == round(x) && abs(x) < 1e15) return(format(x, scientific = FALSE))
  sprintf("%.17g", x)
}
to_json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.list(x)) {
    if (!is.null(names(x))) {
      items <- vapply(names(x), function(k) paste0(inner, json_escape(k), ": ", to_json(x[[k]], inner)), "")
      return(paste0("{\n", paste(items, collapse = ",\n"), "\n", indent, "}"))
    }
    if (length(x) == 0) return("[]")
    items <- vapply(x, function(v) paste0(inner, to_json(v, inner)), "")
    return(paste0("[\n", paste(items, collapse = ",\n"), "\n", indent, "]"))
  }
  if (is.matrix(x)) return(to_json(lapply(seq_len(nrow(x)), function(i) as.vector(x[i, ])), indent))
  always_array <- isTRUE(attr(x, "json_array"))
  x <- as.vector(x)
  if (always_array || length(x) != 1) {
    return(paste0("[", paste(vapply(as.list(x), json_scalar, ""), collapse = ", "), "]"))
  }
  json_scalar(x)
}
vec <- function(x) structure(as.vector(x), json_array = TRUE)  # an array even of length 1
write_fixture <- function(name, content) {
  content$generated_by <- list(
    script = "scripts/r/make_reference_fixtures.R",
    r_version = R.version.string,
    survival = as.character(packageVersion("survival")),
    cmprsk = as.character(packageVersion("cmprsk"))
  )
  path <- file.path(out_dir, paste0(name, ".json"))
  writeLines(to_json(content), path)
  cat("wrote", path, "\n")
}

# ---------------------------------------------------------------- Kaplan-Meier
km_case <- function(time, event, times, note = "") {
  fit <- survfit(Surv(time, event) ~ 1, conf.type = "log-log")
  tab <- summary(fit)$table
  s <- summary(fit, times = times)  # extend = FALSE: times after the last one are dropped
  rev_fit <- survfit(Surv(time, 1 - event) ~ 1, conf.type = "log-log")
  rtab <- summary(rev_fit)$table
  list(
    note = note,
    input = list(time = vec(time), event = vec(event)),
    survfit = list(
      time = vec(fit$time), n_risk = vec(fit$n.risk), n_event = vec(fit$n.event),
      n_censor = vec(fit$n.censor), surv = vec(fit$surv), std_err_log = vec(fit$std.err),
      std_err = vec(fit$surv * fit$std.err), lower = vec(fit$lower), upper = vec(fit$upper)
    ),
    summary_times = list(
      requested = vec(times), time = vec(s$time), n_risk = vec(s$n.risk), surv = vec(s$surv),
      std_err = vec(s$std.err), lower = vec(s$lower), upper = vec(s$upper)
    ),
    median = list(median = tab[["median"]], lower = tab[["0.95LCL"]], upper = tab[["0.95UCL"]]),
    reverse_km_median = list(median = rtab[["median"]], lower = rtab[["0.95LCL"]], upper = rtab[["0.95UCL"]])
  )
}

years <- c(365.25, 730.5, 1826.25)
lung_event <- as.integer(lung$status == 2)
km_cases <- list(
  lung = km_case(lung$time, lung_event, years, "NCCTG lung, status 2 = dead, time in days"),
  lung_male = km_case(lung$time[lung$sex == 1], lung_event[lung$sex == 1], years, "lung, sex == 1"),
  lung_female = km_case(lung$time[lung$sex == 2], lung_event[lung$sex == 2], years, "lung, sex == 2"),
  ties = km_case(
    c(1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 5, 6, 8, 8, 9),
    c(1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0),
    c(0, 2, 2.5, 5, 9, 10),
    "ties of events and of events with censorings"
  ),
  median_exactly_half = km_case(c(1, 2, 3, 4), c(1, 1, 1, 0), c(1, 2, 3, 4),
                                "S = 0.5 on [2, 3): median is the midpoint 2.5"),
  ends_with_event = km_case(c(1, 2, 2, 3, 4, 5, 5, 6), c(0, 1, 0, 1, 1, 0, 1, 1), c(0, 1.5, 6, 7),
                            "last time is an event: S drops to 0"),
  all_censored = km_case(c(2, 3, 3, 7), c(0, 0, 0, 0), c(0, 3, 7, 8), "no events"),
  single_subject_event = km_case(c(5), c(1), c(0, 5, 6), "one subject, who has the event"),
  single_subject_censored = km_case(c(5), c(0), c(0, 5, 6), "one subject, censored")
)
write_fixture("kaplan_meier", list(
  description = "survfit(Surv(time, event) ~ 1, conf.type = 'log-log'); summary(fit, times = requested); summary(fit)$table; reverse KM = survfit(Surv(time, 1 - event) ~ 1)",
  cases = km_cases,
  empty_input = "survfit() stops with an error on zero rows; Python returns None estimates by convention"
))

# ---------------------------------------------------------------- log-rank
lr_case <- function(time, event, group, note = "") {
  sd <- survdiff(Surv(time, event) ~ group)
  df <- sum(sd$exp > 0) - 1
  list(
    note = note,
    input = list(time = vec(time), event = vec(event), group = vec(as.character(group))),
    survdiff = list(
      chisq = sd$chisq, df = df, p = pchisq(sd$chisq, df, lower.tail = FALSE),
      groups = vec(sub("^group=", "", names(sd$n))),
      observed = vec(sd$obs), expected = vec(sd$exp), var = sd$var
    )
  )
}
lr_cases <- list(
  lung_by_sex = lr_case(lung$time, lung_event, ifelse(lung$sex == 1, "male", "female"), "lung by sex"),
  three_groups_with_single_subject = lr_case(
    c(1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 5, 6, 8, 8, 9, 4),
    c(1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 1),
    c("a", "b", "a", "b", "a", "b", "a", "b", "a", "b", "a", "b", "b", "a", "a", "c"),
    "ties, and group c has a single subject"
  ),
  group_with_no_expected_events = lr_case(
    c(0.5, 1, 2, 2, 3, 4, 4, 6, 7),
    c(0, 1, 1, 0, 1, 0, 1, 1, 0),
    c("z", "x", "y", "x", "y", "x", "y", "x", "y"),
    "group z: one subject censored before the first event, so zero expected events; survdiff drops it"
  ),
  unused_factor_level = lr_case(
    c(1, 2, 3, 4, 5, 6), c(1, 1, 0, 1, 1, 0),
    factor(c("a", "b", "a", "b", "a", "b"), levels = c("a", "b", "empty")),
    "factor with an empty level: survdiff ignores it (the Python API never sees empty levels)"
  )
)
write_fixture("logrank", list(
  description = "survdiff(Surv(time, event) ~ group), rho = 0; p = pchisq(chisq, df, lower.tail = FALSE)",
  cases = lr_cases,
  single_group = "survdiff on one group gives chisq 0 on 0 df; Python returns None"
))

# ---------------------------------------------------------------- Aalen-Johansen and cuminc
aj_case <- function(time, status, times, note = "") {
  state <- factor(status, levels = c(0, 1, 2), labels = c("censor", "event", "competing"))
  fit <- survfit(Surv(time, state) ~ 1)
  col <- which(fit$states == "event")
  s <- summary(fit, times = times)
  ci <- cuminc(time, status, cencode = 0)
  key <- names(ci)[sub("^.* ", "", names(ci)) == "1"]
  all_times <- sort(unique(time))
  tp_all <- if (length(key)) timepoints(ci[key], all_times) else NULL
  tp <- if (length(key)) timepoints(ci[key], times) else NULL
  list(
    note = note,
    input = list(time = vec(time), status = vec(status)),
    survfit = list(time = vec(fit$time), pstate = vec(fit$pstate[, col]),
                   n_risk = vec(fit$n.risk[, 1])),
    summary_times = list(requested = vec(times), time = vec(s$time), pstate = vec(s$pstate[, col])),
    cuminc_all_times = list(
      time = vec(all_times),
      est = if (is.null(tp_all)) NULL else vec(tp_all$est[1, ]),
      var = if (is.null(tp_all)) NULL else vec(tp_all$var[1, ])
    ),
    cuminc_times = list(
      time = vec(times),
      est = if (is.null(tp)) NULL else vec(tp$est[1, ]),
      var = if (is.null(tp)) NULL else vec(tp$var[1, ])
    )
  )
}
mg <- mgus2
mg$etime <- ifelse(mg$pstat == 0, mg$futime, mg$ptime)
mg$status <- ifelse(mg$pstat == 1, 1, 2 * mg$death)  # 1 = progression (PCM), 2 = death first, 0 = censored
mg_years <- c(12, 24, 60)  # mgus2 times are in months
aj_cases <- list(
  mgus2 = aj_case(mg$etime, mg$status, mg_years, "mgus2: progression (1) vs death (2), months"),
  mgus2_female = aj_case(mg$etime[mg$sex == "F"], mg$status[mg$sex == "F"], mg_years, "mgus2, women"),
  mgus2_male = aj_case(mg$etime[mg$sex == "M"], mg$status[mg$sex == "M"], mg_years, "mgus2, men"),
  ties = aj_case(
    c(1, 1, 1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9, 9, 10),
    c(1, 2, 0, 1, 1, 2, 2, 0, 1, 0, 2, 1, 1, 0, 2, 0, 1, 0),
    c(0, 2, 4.5, 10, 11),
    "events, competing events and censorings tied"
  ),
  ends_with_event = aj_case(c(1, 2, 3, 3, 4), c(2, 1, 1, 0, 1), c(0, 2, 4, 5),
                            "last subject has the event of interest"),
  single_cause = aj_case(c(1, 2, 2, 3, 4, 5, 5, 6), c(0, 1, 0, 1, 1, 0, 1, 0), c(0, 3, 6),
                         "no competing events: equals 1 - KM")
)
write_fixture("aalen_johansen", list(
  description = paste(
    "survfit(Surv(time, factor(status, 0:2)) ~ 1)$pstate for the event state (ties as they are);",
    "summary(fit, times = requested)$pstate; cmprsk::cuminc(time, status, cencode = 0) est and var",
    "through timepoints() at every distinct time and at the requested times (NA after the last time)"
  ),
  cases = aj_cases
))

gray_case <- function(time, status, group, note = "") {
  ci <- cuminc(time, status, group, cencode = 0)
  tests <- ci$Tests
  row <- which(rownames(tests) == "1")
  list(
    note = note,
    input = list(time = vec(time), status = vec(status), group = vec(as.character(group))),
    cuminc_test = list(stat = tests[row, "stat"], pv = tests[row, "pv"], df = tests[row, "df"])
  )
}
gray_cases <- list(
  mgus2_by_sex = gray_case(mg$etime, mg$status, as.character(mg$sex), "mgus2 progression by sex"),
  three_groups_with_single_subject = gray_case(
    c(1, 1, 1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9, 9, 10, 4),
    c(1, 2, 0, 1, 1, 2, 2, 0, 1, 0, 2, 1, 1, 0, 2, 0, 1, 0, 1),
    c("a", "b", "a", "b", "a", "b", "a", "b", "a", "b", "a", "b", "b", "a", "a", "b", "a", "b", "c"),
    "ties; group c has a single subject"
  ),
  two_groups_ties = gray_case(
    c(1, 1, 2, 2, 2, 3, 4, 4, 5, 6, 6, 7, 8, 9, 9, 10),
    c(1, 1, 2, 1, 0, 1, 2, 2, 1, 0, 1, 2, 1, 0, 1, 0),
    c(1, 2, 1, 2, 2, 1, 1, 2, 2, 1, 2, 1, 1, 2, 1, 2),
    "two numeric groups, several tied events"
  ),
  mgus2_by_age_group = gray_case(mg$etime, mg$status, cut(mg$age, c(0, 60, 70, 80, 120), right = FALSE),
                                 "mgus2 by age band (4 groups)")
)
write_fixture("gray_test", list(
  description = "cmprsk::cuminc(time, status, group, cencode = 0)$Tests for cause 1 (rho = 0, no strata)",
  cases = gray_cases
))

# ---------------------------------------------------------------- intervals
props <- list(c(0, 10), c(10, 10), c(3, 10), c(1, 1), c(17, 250), c(50, 100), c(0, 1), c(999, 1000))
wilson <- lapply(props, function(p) {
  pt <- suppressWarnings(prop.test(p[1], p[2], correct = FALSE))
  list(x = p[1], n = p[2], estimate = unname(pt$estimate), lower = pt$conf.int[1], upper = pt$conf.int[2])
})
rates <- list(c(0, 10), c(3, 2.5), c(10, 123.4), c(1, 0.1), c(250, 1000), c(0, 0.5), c(7, 7))
poisson <- lapply(rates, function(r) {
  pt <- poisson.test(r[1], r[2])
  list(events = r[1], person_years = r[2], rate = unname(pt$estimate),
       lower = pt$conf.int[1], upper = pt$conf.int[2])
})
write_fixture("intervals", list(
  description = "prop.test(x, n, correct = FALSE)$conf.int and poisson.test(x, T)$conf.int (per 1 person-year)",
  wilson = wilson,
  poisson = poisson
))
