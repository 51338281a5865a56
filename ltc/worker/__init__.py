"""The arq worker: thin job functions taking primitive ids, and the worker's assembly."""
