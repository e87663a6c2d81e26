"""What is done with results: charts, HTML reports, images, docs pages."""
