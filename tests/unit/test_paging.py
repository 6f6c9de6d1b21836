"""Listings are checked before they are trusted: a body that is not a listing is an error,
entities that are not objects are skipped, a pageCount that is not an integer ends the walk."""

import asyncio

import pytest

from genesys_tui.genesys import errors as E
from genesys_tui.genesys.paging import entities


class Api:
    def __init__(self, pages):
        self.pages, self.asked = pages, []

    async def get_json(self, path, params):
        self.asked.append(params["pageNumber"])
        return self.pages[params["pageNumber"] - 1]


def walk(api):
    async def go():
        return [e async for e in entities(api, "/x")]

    return asyncio.run(go())


def test_all_pages_and_only_objects():
    api = Api(
        [
            {"entities": [{"id": 1}, "junk", None], "pageCount": 2},
            {"entities": [{"id": 2}], "pageCount": 2},
        ]
    )
    assert walk(api) == [{"id": 1}, {"id": 2}] and api.asked == [1, 2]


def test_a_lying_page_count_ends_the_walk():
    api = Api([{"entities": [{"id": 1}], "pageCount": "999999"}])
    assert walk(api) == [{"id": 1}] and api.asked == [1]
    api = Api([{"entities": [], "pageCount": 10**9}])
    assert walk(api) == [] and api.asked == [1]  # an empty page stops it too


def test_not_a_listing_is_an_error():
    with pytest.raises(E.ServerError):
        walk(Api([["entities"]]))
