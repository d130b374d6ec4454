"""The JSON API (/api/v1): the same operations as the pages, described by the app's OpenAPI
schema, with one error shape (gavah.web.failures.ErrorBody)."""
