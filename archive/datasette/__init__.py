"""The archive's Datasette folder: metadata, templates, static files, the plugins directory
(``plugins/``, loaded by path), and the modules its plugins import (``maps``, ``charts``, ``paging``, ``values``)."""
