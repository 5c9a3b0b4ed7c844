import pytest

from tests.factories import OrganisationFactory, ProjectFactory


@pytest.mark.django_db
def test_list_shows_a_project(client):
    project = ProjectFactory(partners=[OrganisationFactory(name="Oxfam Népal")])
    response = client.get("/fr/projects/")
    assert response.status_code == 200
    assert project.title in response.text
    assert "Oxfam Népal" in response.text
