"""The migration that gives documents an owner fills it in for the documents already there."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from config import TestingConfig

OWNERS = "SELECT id, owner_body_id, owner_organisation_id FROM documents ORDER BY id"


def test_existing_documents_get_the_owner_of_where_they_are_filed(tmp_path, monkeypatch):
    monkeypatch.setattr(
        TestingConfig, "SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'owners.db'}"
    )
    app = create_app("testing")
    with app.app_context():
        upgrade()
        from app.demo.loader import load_demo

        load_demo()
        db.session.commit()
        expected = db.session.execute(sa.text(OWNERS)).all()
        # A document of a case only, attached nowhere: the case's organisation owns it.
        db.session.execute(
            sa.text(
                "INSERT INTO documents (title, kind, confidentiality, case_id, version, "
                "created_at, updated_at) SELECT 'Lös handling', 'other', 'internal', id, 1, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM cases ORDER BY id LIMIT 1"
            )
        )
        case_organisation = db.session.scalar(
            sa.text("SELECT organisation_id FROM cases ORDER BY id LIMIT 1")
        )
        db.session.commit()
        db.engine.dispose()
        downgrade(revision="l9s2e4c6a8b1")  # the columns are gone, the documents stay
        upgrade()
        owners = db.session.execute(sa.text(OWNERS)).all()
        db.engine.dispose()
    assert len(expected) >= 5 and all(body for _id, body, _org in expected)
    assert owners[: len(expected)] == expected  # the body of the agenda that lists them
    assert owners[-1][1:] == (None, case_organisation)
