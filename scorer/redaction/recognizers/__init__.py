"""The bundled recognisers; importing this package registers them."""

from scorer.redaction.recognizers import (  # noqa: F401  (imported to register)
    account,
    card,
    email,
    iban,
    names,
    national_id,
    phone,
)
