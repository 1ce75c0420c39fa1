"""Every complete response of one Saualnama survey into a pandas DataFrame, through the API.

    export SAUALNAMA_URL=https://saualnama.example.kz   # the site's address
    export SAUALNAMA_TOKEN=snm_...                      # a personal API token (/accounts/tokens/)
    python responses_to_pandas.py SLUG                  # or SAUALNAMA_SURVEY=SLUG

Optional: SAUALNAMA_PAGE_SIZE (responses per request, 1 to 1000, default 1000), SAUALNAMA_LABELS
(`codes`, the default, or `kk` or `ru` for option labels), SAUALNAMA_OUT (write the table to this
CSV file too). Needs `requests` and `pandas`. Prints one line, `rows=N columns=M`, at the end.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator

import pandas as pd
import requests


def pages(session: requests.Session, url: str, params: dict) -> Iterator[dict]:
    """Each page of the answer, following `next` until it is null."""
    while url:
        reply = session.get(url, params=params, timeout=120)
        if reply.status_code in (429, 503):  # too many requests / busy: wait as told, then again
            time.sleep(int(reply.headers.get("Retry-After", "5")))
            continue
        if reply.status_code != 200:
            try:
                error = reply.json()["error"]  # {"code": ..., "message": ...}
            except (ValueError, KeyError):
                error = {"code": "http_error", "message": reply.text[:200]}
            sys.exit(f"{reply.status_code} {error['code']}: {error['message']}")
        body = reply.json()
        yield body
        # `next` is a whole address: the cursor and every parameter of the first request.
        url, params = body["next"], {}


def main() -> None:
    base = os.environ["SAUALNAMA_URL"].rstrip("/")
    token = os.environ["SAUALNAMA_TOKEN"]
    survey = sys.argv[1] if len(sys.argv) > 1 else os.environ["SAUALNAMA_SURVEY"]
    params = {
        "page_size": os.environ.get("SAUALNAMA_PAGE_SIZE", "1000"),
        "labels": os.environ.get("SAUALNAMA_LABELS", "codes"),
    }
    session = requests.Session()
    # Error messages come in the language asked for: kk or ru.
    session.headers.update({"Authorization": f"Token {token}", "Accept-Language": "ru"})

    records: list[dict] = []
    url = f"{base}/api/v1/surveys/{survey}/responses/"
    for page in pages(session, url, params):
        if page["count"] is not None:  # given on the first page only
            print(f"{page['count']} responses, {page['page_size']} a page", file=sys.stderr)
        records.extend(page["results"])

    # `_id` identifies a response for good: a response read twice (see "Paging") is kept once.
    frame = pd.DataFrame.from_records(records)
    if not frame.empty:
        frame = frame.drop_duplicates("_id", keep="last").set_index("_id")
        frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], utc=True, format="ISO8601")
        # Whole numbers with gaps (no answer is null) become nullable integers, not floats.
        frame = frame.convert_dtypes()
    # A multiple choice is a list of option codes (or labels): e.g.
    # frame["barriers"].explode().value_counts() counts each option.

    out = os.environ.get("SAUALNAMA_OUT")
    if out:
        # In a CSV file, a list is written as the wide format writes it: codes separated by spaces.
        flat = frame.apply(
            lambda column: column.map(lambda v: " ".join(v) if isinstance(v, list) else v)
        )
        flat.to_csv(out, encoding="utf-8-sig")
    print(f"rows={frame.shape[0]} columns={frame.shape[1]}")


if __name__ == "__main__":
    main()
