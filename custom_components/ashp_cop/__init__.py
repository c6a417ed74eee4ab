"""ashp_cop: field efficiency of air-source heat pumps for Home Assistant."""
