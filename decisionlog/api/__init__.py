"""The GraphQL API: strawberry types, the schema and the Starlette application."""
