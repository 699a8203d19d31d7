"""The demo workspace's people, desks and words: who writes, about what, and how each
kind of thread goes (used by halo/services/demo/__init__.py)."""

PASSWORD = "demo-password"
TEAM = [("Sara Lindqvist", "sara@demo.halo", "agent"), ("Tom Becker", "tom@demo.halo", "agent"),
        ("Lena Moreau", "lena@demo.halo", "agent"), ("Omar Haddad", "omar@demo.halo", "admin")]
CUSTOMER_DOMAIN = ".example"  # RFC 2606: never a real customer's address
FIRST = ["Ana", "Ben", "Chloé", "Dmitri", "Elif", "Felix", "Grace", "Hiro", "Ines", "Jonas",
         "Kofi", "Laura", "Mateo", "Nadia", "Olga", "Priya", "Quentin", "Rosa", "Sven", "Tara",
         "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Carla", "Diego"]
LAST = ["Silva", "Okafor", "Dubois", "Ivanov", "Yilmaz", "Wagner", "Kim", "Tanaka", "García",
        "Nilsson", "Mensah", "Rossi", "López", "Haddad", "Novak", "Patel", "Martin", "Costa"]
COMPANIES = ["Brightline Studio", "Northwind Bakery", "Kettle & Co", "Orbital Labs", "Fernweh Travel",
             "Pixelpress", "Greenleaf Grocers", "Atlas Logistics", "Muse Records", "Tidal Yoga"]
LANGS = ["en", "en", "en", "de", "fr", "es", "pt", "en", "ja", "nl"]
PLANS = ["free", "starter", "pro", "pro", "enterprise"]
TOPICS = [
    ("Can't log in after password reset", "Hi, I reset my password this morning but the new one is rejected. I've tried twice. Can you help?",
     "Sorry about that! I've cleared the lockout on your account; the new password should work now."),
    ("Invoice shows the wrong VAT number", "Our latest invoice has our old VAT number on it. We need a corrected copy for our accountant.",
     "Thanks for flagging it. I've updated the VAT number and re-issued the invoice; you'll find it under Billing."),
    ("Export to CSV is missing columns", "When I export my orders to CSV the 'shipping method' column is empty.",
     "Good catch — that column was left out of exports made from filtered views. It's fixed; re-run the export."),
    ("Upgrade to annual plan?", "We'd like to switch to yearly billing. Is there a discount and does it prorate?",
     "Yes: annual billing saves two months and we prorate what's left of this month. Want me to switch you now?"),
    ("Webhook deliveries failing", "Since yesterday our webhook endpoint gets 401s from your side. Did the signing change?",
     "We rotated signing secrets on Monday. Copy the new secret from Settings > Webhooks and deliveries will resume."),
    ("Refund for duplicate charge", "I was charged twice for March. Please refund one of them.",
     "You're right, the second charge was a retry that shouldn't have gone through. Refunded; it takes 5–10 days to show."),
    ("How do I add a teammate?", "Where do I invite a colleague to our workspace?",
     "Go to Settings > Team and click Invite; they'll get an email with a link."),
    ("Mobile app crashes on launch", "The Android app closes immediately since the last update. Pixel 7, Android 15.",
     "Thanks for the details. A fix is in review for 4.2.1; meanwhile clearing the app cache works around it."),
    ("Data deletion request", "Please delete all data you hold about me under GDPR.",
     "Your deletion request is confirmed; everything will be removed within 30 days and we'll email you when it's done."),
    ("Feature request: dark mode", "Any plans for a dark theme? My eyes would thank you.",
     "It's on the roadmap for this quarter! I've added your vote."),
    ("Shipping to Norway", "Do you ship to Norway and who pays the customs fees?",
     "We do. Customs fees are included at checkout, so nothing extra on delivery."),
    ("API rate limit too low", "We hit 429s at around 60 requests/min. Can the limit be raised for our account?",
     "I've raised your limit to 300 requests/min. Let us know if you need more."),
]
SPAM = [("You have WON — claim your prize today", "Dear friend, you have won our lottery! Click here to claim your prize: http://prize.example/win",
         "spam detection: spam phrases: dear friend, lottery, you have won"),
        ("Make money fast from home", "Work from home and make money fast with our crypto investment. Act now, limited time offer!",
         "spam detection: spam phrases: act now, crypto investment, make money fast")]
STILL = ["Still seeing it, sorry — any other idea?", "Hmm, that didn't change anything on my side.",
         "I tried that, but it's still the same. Anything else I can check?"]
FIXED = ["Thanks for trying. I found a second setting on our side that was stuck; it's cleared now, so it should work.",
         "Thanks for your patience — our engineers pushed a fix a few minutes ago. Could you try once more?"]
THANKS = ["Thanks, that worked!", "Great, much appreciated.", "Perfect, all sorted. Thank you!"]
GLAD = ["Glad to hear it! I'll close this one; just reply if anything comes up.", "Happy to help — have a great day!"]
WAITING = ["I've passed this to the right team; I'll get back to you here as soon as they reply.",
           "Engineering is looking into it. I'll follow up here once the fix is out.",
           "Let me check this with a colleague who is out today — I'll follow up tomorrow."]
TAKE_OVER = "Hi, I'm {name} from the team — I'll take it from here. Give me a minute to look at your account."
HANDOFF_TEXT = "I'm bringing in a teammate who can help with this. They'll reply right here."  # ai_chat.py
ESCALATIONS = ["no knowledge-base article matches this email",
               "the AI could not answer from the knowledge base (it needs someone who can see the account)"]
HANDOVERS = ["the visitor asked for a person", "it could not answer"]
NOTES = ["@{h} can you double-check the billing side before we reply?", "Customer is on a renewal call next week — be extra careful.",
         "Looks like the same bug as last week's ticket; engineering is on it.", "@{h} you helped them last time — anything I should know?",
         "Checked the logs: the request never reached us."]
STATUS_WEIGHTS = [("open", 40), ("priority", 10), ("in_progress", 8), ("snoozed", 8), ("resolved", 70), ("spam", 6)]
CHAT_SHARE = {"open": 0.35, "priority": 0.35, "in_progress": 0.8, "snoozed": 0.2, "resolved": 0.35, "spam": 0.1}
HOUR, DAY = 60, 60 * 24
# (inbox, team, members): the demo's two inboxes and the teams that work them.
DESKS = [("Billing", "Billing team", ("sara@demo.halo", "tom@demo.halo")),
         ("Product", "Product team", ("lena@demo.halo", "tom@demo.halo"))]
