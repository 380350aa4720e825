"""Signed PDFs: PAdES signatures made with pyHanko, and their verification.

- ``keys``: the development CA, the organisation's seal and personal certificates.
- ``settings``: the SIGNING_* configuration, with defaults resolved against the instance folder.
- ``backends``: who holds the keys (``SigningBackend``; ``LocalPkcs12Backend`` for PKCS#12 files).
- ``pdf``: signature fields and signing (``add_signature_fields``, ``sign_pdf``).
- ``verify``: ``verify_pdf`` and its report.

Like ``app/documents`` this package knows no domain: callers pass names, roles and bytes.
"""
