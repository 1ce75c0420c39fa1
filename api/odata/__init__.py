"""The OData v4 feed (minimal conformance) of a survey's responses, for Excel and Power BI."""
