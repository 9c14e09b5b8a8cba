"""Versioned model contracts shared by the API, the model server and the model validator."""
