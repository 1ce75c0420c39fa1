"""The Word report of a survey's results (issue 16): content, layout, and the job that builds it.

`content.report_content` decides what a reader may see (exact or protected figures);
`document.report_docx` lays it out; `build.report_build` is the worker's side of a report job.
"""
