"""drf-spectacular's description of our token schemes, so the OpenAPI document lists them."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token snm_...`: a personal API token from the account's token page.",
        }


class TokenBasicScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenBasicAuthentication"
    name = "tokenBasic"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "basic",
            "description": "Any user name, a personal API token as the password (Excel, Power BI).",
        }


METADATA_PATH = "/api/v1/odata/{slug}.svc/$metadata"


def odata_metadata_path(result: dict, generator: object, request: object, public: bool) -> dict:
    """List the OData `$metadata` address, which drf-spectacular cannot derive (it drops the
    `$` and would name a `.svc/metadata` that does not exist): a postprocessing hook."""
    security = [{"tokenBasic": []}, {"token": []}, {"cookieAuth": []}]
    result["paths"][METADATA_PATH] = {
        "get": {
            "operationId": "odata_metadata",
            "summary": "The OData CSDL document of a survey's Responses entity set",
            "description": "Microdata access only. OData clients (Excel, Power BI) read it.",
            "parameters": [
                {"in": "path", "name": "slug", "required": True, "schema": {"type": "string"}}
            ],
            "tags": ["odata"],
            "security": security,
            "responses": {
                "200": {
                    "description": "CSDL 4.0 XML",
                    "content": {"application/xml": {"schema": {"type": "string"}}},
                }
            },
        }
    }
    return result
