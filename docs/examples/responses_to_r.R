# Every complete response of one Saualnama survey into a data frame, through the API (httr2).
#
#   export SAUALNAMA_URL=https://saualnama.example.kz   # the site's address
#   export SAUALNAMA_TOKEN=snm_...                      # a personal API token (/accounts/tokens/)
#   Rscript responses_to_r.R SLUG                       # or SAUALNAMA_SURVEY=SLUG
#
# Optional: SAUALNAMA_PAGE_SIZE (1 to 1000, default 1000), SAUALNAMA_LABELS (codes, kk or ru),
# SAUALNAMA_OUT (write the table to this CSV file too). Needs httr2 (>= 1.0) and vctrs.
# Not run in CI (R is not installed there); the Python example is.

library(httr2)

base <- sub("/+$", "", Sys.getenv("SAUALNAMA_URL"))
token <- Sys.getenv("SAUALNAMA_TOKEN")
args <- commandArgs(trailingOnly = TRUE)
survey <- if (length(args) > 0) args[[1]] else Sys.getenv("SAUALNAMA_SURVEY")
if (base == "" || token == "" || survey == "") {
  stop("Set SAUALNAMA_URL and SAUALNAMA_TOKEN, and give the survey's slug.")
}

first <- request(paste0(base, "/api/v1/surveys/", survey, "/responses/")) |>
  req_url_query(
    page_size = Sys.getenv("SAUALNAMA_PAGE_SIZE", "1000"),
    labels = Sys.getenv("SAUALNAMA_LABELS", "codes")
  ) |>
  req_headers(Authorization = paste("Token", token), `Accept-Language` = "ru") |>
  # 429 (too many requests) and 503 are retried after the Retry-After the server sends.
  req_retry(max_tries = 5) |>
  # Any other error stops with the API's code and message, e.g. 403 microdata_not_allowed.
  req_error(body = function(resp) {
    error <- resp_body_json(resp)[["error"]]
    paste0(error[["code"]], ": ", error[["message"]])
  })

# `next` is a whole address (the cursor and every parameter); null on the last page.
follow_next <- function(resp, req) {
  after <- resp_body_json(resp)[["next"]]
  if (is.null(after)) NULL else req_url(req, after)
}

# One page as a data frame: null becomes NA, a multiple choice (a JSON list of option codes)
# becomes the codes separated by spaces, as in the CSV export.
page_frame <- function(resp) {
  rows <- resp_body_json(resp)[["results"]]
  if (length(rows) == 0) {
    return(NULL)
  }
  columns <- names(rows[[1]])
  cells <- lapply(columns, function(column) {
    values <- lapply(rows, function(row) row[[column]])
    if (any(vapply(values, is.list, logical(1)))) {
      vapply(values, function(v) paste(unlist(v), collapse = " "), character(1))
    } else {
      unlist(lapply(values, function(v) if (is.null(v)) NA else v))
    }
  })
  names(cells) <- columns
  as.data.frame(cells, check.names = FALSE, stringsAsFactors = FALSE)
}

resps <- req_perform_iterative(first, next_req = follow_next, max_reqs = Inf)
responses <- resps_data(resps, page_frame)
if (is.null(responses)) {
  stop("The survey has no complete responses yet.")
}
# `_id` identifies a response for good: a response read twice (see "Paging") is kept once.
responses <- responses[!duplicated(responses[["_id"]], fromLast = TRUE), , drop = FALSE]
# ISO 8601 with an offset, e.g. 2022-11-09T14:30:00+06:00 (seconds may have a fraction).
responses[["submitted_at"]] <- as.POSIXct(
  sub("([+-][0-9]{2}):([0-9]{2})$", "\\1\\2", responses[["submitted_at"]]),
  format = "%Y-%m-%dT%H:%M:%OS%z", tz = "UTC"
)

out <- Sys.getenv("SAUALNAMA_OUT")
if (out != "") {
  write.csv(responses, out, row.names = FALSE, fileEncoding = "UTF-8", na = "")
}
cat(sprintf("rows=%d columns=%d\n", nrow(responses), ncol(responses) - 1))
