from halo import create_app

app = create_app()
