"""The policy stage: one input document in, findings out, decided by Rego.

``input_doc`` builds the document from the analysis' results (it never re-derives a network fact),
``engine/`` runs the bundle on one of the engines, ``evaluate`` collects the findings, ``waivers`` marks the
ones a waiver accepts, and ``rego_test`` runs the policies' own unit tests.
"""
