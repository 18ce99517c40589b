"""The pages people read in a browser: head office's network overview, a site in depth, the standard,
reports, and the manager's checklist for today. Server-rendered; every number comes from the same selectors
and engine as the API's (STYLE.md rule 11); scope from sites/access.py."""
