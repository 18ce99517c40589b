"""The network overview's parts (/app/): what the view gathers from the engine, the filters, the heat map's
cells and the figures' formatting. Numbers come from consistency.variance, formatted here, never recomputed."""
