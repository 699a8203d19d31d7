"""Languages in a real browser: a teammate picks Español in Profile and Halo speaks it,
scripts included; a visitor whose browser is Spanish gets the widget in Spanish."""
from playwright.sync_api import expect

from halo.services.settings import set_setting
from tests.browser.conftest import sign_in
from tests.browser.test_chat_widget import shop  # noqa: F401  (the customer's site fixture)
from tests.factories import make_ticket, make_user


def test_a_teammate_chooses_spanish_in_profile(live_server, new_page):
    ana = make_user(email="ana@example.com", name="Ana Ruiz")
    ticket = make_ticket(subject="Factura duplicada")
    page = new_page()  # Playwright's default locale, en-US: English
    sign_in(page, live_server, ana.email)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".me")).to_contain_text("Sign out")

    page.goto(f"{live_server}/profile")
    page.select_option("#profile-locale", label="Español")
    page.get_by_role("button", name="Save language").click()
    expect(page.locator(".flash, [role=status]").first).to_contain_text("Idioma guardado.")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#profile-locale")).to_have_value("es")

    page.goto(f"{live_server}/inbox/open")
    expect(page.locator(".me")).to_contain_text("Cerrar sesión")
    expect(page.locator(".sidebar")).to_contain_text("Contactos")
    expect(page.locator("main")).to_contain_text("Factura duplicada")
    page.keyboard.press("?")  # the shortcuts list is written by shortcuts.js: its words come from the page's catalogue
    expect(page.get_by_role("dialog")).to_contain_text("Atajos de teclado")
    expect(page.get_by_role("dialog")).to_contain_text("Abrir el ticket seleccionado")
    page.keyboard.press("Escape")

    page.goto(f"{live_server}/tickets/{ticket.id}")
    expect(page.locator("main")).to_contain_text("Cliente desde")
    expect(page.locator("main")).not_to_contain_text("Customer since")
    expect(page.get_by_role("complementary", name="Perfil del cliente")).to_be_visible()
    # Labels from tables and dates come through the catalogue and Babel too (halo/formats.py)
    expect(page.locator(".pilot-action").first).to_have_text("Resumir esta conversación")
    expect(page.locator("main .chip-email").first).to_have_text("Correo")

    page.goto(f"{live_server}/reports")
    expect(page.locator(".chart-legend").first).to_contain_text("Correo")
    expect(page.locator(".report-tabs")).to_contain_text("Compañeros")


def test_the_widget_speaks_the_visitors_browser_language(live_server, shop, chromium):  # noqa: F811
    set_setting("widget_allowed_origins", [shop])
    context = chromium.new_context(locale="es-ES", viewport={"width": 390, "height": 800})
    context.set_default_timeout(10_000)
    try:
        visitor = context.new_page()
        visitor.goto(shop)
        widget = visitor.locator("#halo-chat-widget")
        launcher = widget.locator(".launcher")
        expect(launcher).to_have_attribute("aria-label", "Abrir chat")  # set once the welcome came
        launcher.click()
        expect(widget.locator("textarea")).to_have_attribute("placeholder", "Escriba un mensaje…")
        expect(widget.locator("form button")).to_have_text("Enviar")
        expect(widget.locator(".close")).to_have_attribute("aria-label", "Cerrar chat")
        expect(launcher).to_have_attribute("aria-label", "Cerrar chat")
    finally:
        context.close()


def test_the_widget_stays_english_for_an_english_browser(live_server, shop, new_page):  # noqa: F811
    set_setting("widget_allowed_origins", [shop])
    visitor = new_page(viewport={"width": 390, "height": 800})
    visitor.goto(shop)
    widget = visitor.locator("#halo-chat-widget")
    widget.locator(".launcher").click()
    expect(widget.locator("textarea")).to_have_attribute("placeholder", "Write a message…")
    expect(widget.locator("form button")).to_have_text("Send")
