"""A session row names the organisation it is signed in to (besides its JSON data), so one query
reads the session, its user and person, their roles there, the organisation, its region and its
current school year on every request (issue 19). A plain column, not a foreign key: it only
selects the roles, and a session whose organisation goes is refused by finding no role there.
Sessions written before it have none and take the second query until their data is next saved.
"""


def up(migrator, db):
    db.execute_sql('ALTER TABLE "web_session" ADD COLUMN "organisation_id" INTEGER')


def down(migrator, db):
    db.execute_sql('ALTER TABLE "web_session" DROP COLUMN "organisation_id"')
