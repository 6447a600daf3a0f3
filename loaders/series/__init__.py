"""Long time series: legal populations since 1876, museum attendance, cinemas, festivals, EPCI
perimeters by year. One reader module per source; `step.run` assembles them."""
