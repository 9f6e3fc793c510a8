"""Turning protocol documents into draft meetings.

``parse`` reads text into the plain structures below (no database); ``matching``
finds existing people, organisations, series and groups for them; ``saving``
writes a draft meeting in one transaction. The ``import_protocol`` command and
the admin page "Import protocol text" call these.
"""
