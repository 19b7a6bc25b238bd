"""Privacy zones edited at run time, kept in the database over the site file's."""
