from listwatch.cli import app

app(prog_name="listwatch")
