"""The REST endpoints, one module per resource: surveys, codebook, responses, results, exports."""
