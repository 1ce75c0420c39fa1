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
