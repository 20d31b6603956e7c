"""Apache Fineract (Mifos X): the REST client (``client``) and its JSON mapped to Wazi values
(``mapping``)."""
