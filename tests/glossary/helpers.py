"""Glossary terms for the tests, made through the services (the CDO and HR's head)."""

from __future__ import annotations

from glossary.services import meaning_set, term_create


def user_term(org):
    """ "user": HR means an employee, IT an account, Marketing a customer."""
    term = term_create(actor=org.cdo, name="user", definition="A person who works with a tool.")
    meanings = {"HR": "An employee.", "IT": "An account.", "MKT": "A customer or visitor."}
    for code, text in meanings.items():
        meaning_set(term=term, department=org.departments[code], actor=org.heads[code], text=text)
    return term
