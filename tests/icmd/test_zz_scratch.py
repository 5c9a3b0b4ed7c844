import pytest

@pytest.mark.django_db
def test_dump(seed, client, staff_client):
    for url in ["/", "/fr/", "/en/", "/fr/about/", "/en/about/initiative/", "/es/about/selection/"]:
        r = client.get(url)
        print("=====", url, r.status_code, r.get("Location"))
        open("/tmp/scratch/" + url.strip("/").replace("/", "_") + ".html", "w").write(r.content.decode())
    r = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    print("accept en", r.status_code, r.get("Location"))
    from projects.models import Project
    p = Project.objects.get(slug="los-santos-inclusive-development")
    r = staff_client.get(f"/admin/projects/project/{p.pk}/change/")
    open("/tmp/scratch/admin_change.html", "w").write(r.content.decode())
    r = staff_client.get(f"/admin/projects/project/")
    open("/tmp/scratch/admin_list.html", "w").write(r.content.decode())
