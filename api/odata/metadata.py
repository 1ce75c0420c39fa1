"""`$metadata`: the CSDL 4.0 document of a survey's feed, one entity type in the wide format.

Each property carries its question's text in Kazakh and in Russian as `Core.Description`
annotations qualified by the language (and one unqualified, in the survey's default language,
for clients that show only that): Excel and Power BI keep the names, a reader of the document
finds the wording.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from surveys.models import Survey

from .properties import DATETIME, DECIMAL, EntityProperty

EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"
CORE_VOCABULARY = (
    "https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml"
)
ENTITY_TYPE, ENTITY_SET, CONTAINER = "Response", "Responses", "Container"


def namespace_for(*, slug: str) -> str:
    """`Saualnama.<slug>`, the slug made a SimpleIdentifier (a namespace's parts must be)."""
    part = re.sub(r"\W", "_", slug)
    return f"Saualnama.{part if part[:1].isalpha() else '_' + part}"


def metadata_build(*, survey: Survey, properties: list[EntityProperty]) -> bytes:
    ET.register_namespace("edmx", EDMX)
    root = ET.Element(f"{{{EDMX}}}Edmx", Version="4.0")
    reference = ET.SubElement(root, f"{{{EDMX}}}Reference", Uri=CORE_VOCABULARY)
    ET.SubElement(reference, f"{{{EDMX}}}Include", Namespace="Org.OData.Core.V1", Alias="Core")
    services = ET.SubElement(root, f"{{{EDMX}}}DataServices")
    namespace = namespace_for(slug=survey.slug)
    schema = ET.SubElement(services, "Schema", xmlns=EDM, Namespace=namespace)
    entity = ET.SubElement(schema, "EntityType", Name=ENTITY_TYPE)
    ET.SubElement(ET.SubElement(entity, "Key"), "PropertyRef", Name=properties[0].name)
    for item in properties:
        attributes = {"Name": item.name, "Type": item.edm_type}
        if item.kind in ("key", "language", "datetime"):
            attributes["Nullable"] = "false"
        if item.edm_type == DATETIME:
            # Submission times keep their microseconds, as in the CSV export.
            attributes["Precision"] = "6"
        if item.edm_type == DECIMAL and item.question is not None:
            # The answer column's precision, and the question's places as the scale.
            attributes["Precision"] = "18"
            attributes["Scale"] = str(item.question.decimals or 0)
        element = ET.SubElement(entity, "Property", attributes)
        if item.text is not None:
            _describe(element, item, str(survey.default_language))
    container = ET.SubElement(schema, "EntityContainer", Name=CONTAINER)
    ET.SubElement(container, "EntitySet", Name=ENTITY_SET, EntityType=f"{namespace}.{ENTITY_TYPE}")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _describe(element: ET.Element, item: EntityProperty, default_language: str) -> None:
    assert item.text is not None
    term = "Core.Description"
    ET.SubElement(element, "Annotation", Term=term, String=item.text.get(default_language))
    for language in ("kk", "ru"):
        ET.SubElement(
            element, "Annotation", Term=term, Qualifier=language, String=item.text.get(language)
        )
