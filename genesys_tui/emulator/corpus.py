"""Words for the synthetic org: names, queues, and contact-center sentences with a sentiment
(-1, 0, 1) so transcripts carry realistic analytics."""

ORG_NAME = "Acme Utilities (demo)"

QUEUES = [
    # name, division index, topic key
    ("Billing", 0, "billing"),
    ("Technical Support", 0, "tech"),
    ("Sales", 1, "sales"),
    ("Retention", 1, "retention"),
    ("Payments", 0, "payments"),
    ("Claims", 1, "claims"),
]
DIVISIONS = ["Home", "Business"]

FIRST = [
    "Alex",
    "Maria",
    "Jordan",
    "Priya",
    "Chen",
    "Fatima",
    "Lucas",
    "Emma",
    "Omar",
    "Sofia",
    "Noah",
    "Aisha",
    "Liam",
    "Yuki",
    "Mateo",
    "Hannah",
    "Ravi",
    "Grace",
    "Diego",
    "Zara",
    "Ethan",
    "Leila",
    "Tomas",
    "Ingrid",
]
LAST = [
    "Rivera",
    "Chen",
    "Okafor",
    "Schmidt",
    "Novak",
    "Haddad",
    "Silva",
    "Kowalski",
    "Tanaka",
    "Murphy",
    "Dubois",
    "Patel",
    "Johansson",
    "Garcia",
    "Nguyen",
    "Brennan",
    "Costa",
    "Ivanova",
]

WRAPUP_CODES = [
    "Resolved",
    "Follow-up required",
    "Escalated",
    "Payment taken",
    "Sale closed",
    "Cancelled service",
    "Transferred",
    "No resolution",
]

IVR_PROMPTS = [
    "Thank you for calling Acme Utilities. This call may be recorded for quality and training purposes.",
    "Please say or enter your account number followed by the pound key.",
    "In a few words, tell me what you're calling about: billing, payments, technical support, new services, cancelling, or a claim.",
    "Please hold while we connect you to the next available representative.",
    "Your call is important to us. The current wait time is about two minutes.",
]
IVR_ACCOUNT = [
    "four four seven two one",
    "my account number is nine one three three eight",
    "I don't have it to hand",
]
# What a caller answers the speech menu, by the topic of the queue the menu then routes them to.
IVR_CUSTOMER = {
    "billing": ["billing", "a question about my bill", "billing please"],
    "payments": ["payments", "I want to make a payment", "payment plan"],
    "tech": ["technical support", "my internet isn't working", "tech support"],
    "sales": ["new services", "I'm moving house", "new service"],
    "retention": ["cancelling", "cancel my account", "I want to leave"],
    "claims": ["a claim", "I need to make a claim", "damage claim"],
}

AGENT_GREETING = [
    "Thank you for calling Acme Utilities, my name is {agent}, how can I help you today?",
    "Hi, you're through to {agent} at Acme, what can I do for you?",
    "Good afternoon, this is {agent}, who do I have the pleasure of speaking with?",
]
AGENT_VERIFY = [
    "Could you please confirm your full name and the postcode on the account?",
    "For security, can you give me the first line of your address?",
    "Thanks, and can I take your date of birth to verify the account?",
]
AGENT_CLOSING = [
    "Is there anything else I can help you with today?",
    "Thanks for calling Acme, have a great rest of your day.",
    "You'll get an email confirmation in the next few minutes. Take care.",
]
CUSTOMER_CLOSING = [
    "No, that's everything, thank you.",
    "That's all, thanks for your help.",
    "Great, bye now.",
]
HOLD_BEFORE = "Let me place you on a brief hold while I look into that for you."
HOLD_AFTER = "Thank you for holding, I appreciate your patience."
PAUSE_BEFORE = "I'm going to pause the recording now while you read me the card number."
PAUSE_AFTER = "Thanks, the recording is back on and the payment has gone through."

# topic -> (customer lines with sentiment, agent lines)
SCENARIOS: dict[str, tuple[list[tuple[str, int]], list[str]]] = {
    "billing": (
        [
            ("I got my bill this month and it's almost twice what I normally pay.", -1),
            ("I don't understand this late fee, I paid on time.", -1),
            ("Can you explain the charges on my last statement?", 0),
            ("Okay, that makes sense now, thank you.", 1),
            ("So will the refund show up on my next bill?", 0),
            ("That's really frustrating, this is the third time this has happened.", -1),
        ],
        [
            "I can see the estimated reading pushed the amount up, let me correct that.",
            "I've removed the late fee as a one-time courtesy.",
            "The refund will appear as a credit on your next statement.",
            "I completely understand, I'm sorry about the confusion.",
            "Your balance is now one hundred and twelve dollars and forty cents.",
        ],
    ),
    "tech": (
        [
            ("My internet keeps dropping every evening around eight.", -1),
            ("I've already restarted the router twice today.", -1),
            ("The lights on the box are flashing orange.", 0),
            ("Oh it's working now, brilliant.", 1),
            ("Do I need to be home for the engineer?", 0),
        ],
        [
            "Let's run a line test from our side first.",
            "Could you unplug the router for thirty seconds and plug it back in?",
            "I can see some noise on the line, I'll book an engineer visit.",
            "The firmware update should fix the evening dropouts.",
            "The engineer can come on Thursday between eight and one.",
        ],
    ),
    "sales": (
        [
            ("I'm moving house and want to set up service at the new address.", 0),
            ("What's the cheapest plan you have?", 0),
            ("That sounds good, let's go ahead with that.", 1),
            ("Is there a contract or can I cancel any time?", 0),
        ],
        [
            "Congratulations on the move, let me check what's available at the new address.",
            "Our basic plan is thirty dollars a month with no setup fee.",
            "There's a twelve month minimum term on that offer.",
            "I've placed the order, you'll get a welcome pack in the post.",
        ],
    ),
    "retention": (
        [
            ("I want to cancel my account, I found a cheaper deal elsewhere.", -1),
            ("Honestly the service has been poor for months.", -1),
            ("If you can match that price I'll stay.", 0),
            ("Alright, that's a fair offer, I'll stay.", 1),
        ],
        [
            "I'm sorry to hear that, can I ask what the other provider is offering?",
            "I can offer you twenty percent off for the next twelve months.",
            "I've applied the discount and noted the service issues on your account.",
            "I'll also ask our network team to look at the problems you mentioned.",
        ],
    ),
    "payments": (
        [
            ("I'd like to pay my outstanding balance today.", 0),
            ("Can I set up a payment plan? Money's tight this month.", -1),
            ("Great, thank you so much for helping.", 1),
        ],
        [
            "I can take a card payment for you now.",
            "We can split that into three monthly payments.",
            "Your payment plan is set up, the first payment is due on the fifteenth.",
        ],
    ),
    "claims": (
        [
            ("I need to make a claim for a damaged meter.", 0),
            ("The technician left a mess and broke the gate.", -1),
            ("Okay, I'll send the photos tonight.", 0),
            ("Thanks, that's reassuring.", 1),
        ],
        [
            "I'm sorry that happened, I'll open a claim right away.",
            "Could you email photos of the damage to our claims team?",
            "Your claim reference is C R nine four one seven.",
            "A claims handler will call you within two working days.",
        ],
    ),
}
# Lines any call may carry once the topic's own are said, so a long call does not loop.
CUSTOMER_MORE = [
    ("How long will that take?", 0),
    ("Will I get that in writing?", 0),
    ("Sorry, could you repeat that?", 0),
    ("I've been on hold for ages already.", -1),
    ("Is there a reference number for this call?", 0),
    ("Can you send that to my email instead?", 0),
    ("That's not what the last person told me.", -1),
    ("Okay, and what happens after that?", 0),
    ("Right, that's helpful.", 1),
    ("Do I need to do anything on my side?", 0),
    ("My wife usually deals with this, so bear with me.", 0),
    ("Perfect, that's exactly what I needed.", 1),
    ("Hang on, let me grab a pen.", 0),
    ("Is that the earliest you can do?", 0),
    ("I did call about this last week as well.", -1),
    ("And that won't cost me anything extra?", 0),
    ("Sorry, the line's a bit bad, I'm on the train.", 0),
    ("Can you stay on while I check the paperwork?", 0),
    ("Yes, the account is in my name.", 0),
    ("That's a relief, honestly.", 1),
    ("I'd rather not give that over the phone.", -1),
    ("So just to be clear, nothing changes until next month?", 0),
    ("Fine, let's do that then.", 0),
    ("You've been really patient, thanks.", 1),
]
AGENT_MORE = [
    "Let me note that on your account.",
    "I've sent a summary to the email address we hold for you.",
    "Your reference for today is A C M four two seven.",
    "I'm sorry, I know that's been frustrating.",
    "Nothing else is needed from you, we'll take it from here.",
    "I'll stay on the line while that goes through.",
    "That should update within the next twenty-four hours.",
    "I can see what the previous advisor wrote, let me read it back to you.",
    "You'll also get a text message once it's done.",
    "Can I check the best number to reach you on?",
    "I've added a note so anyone you speak to next can see this.",
    "Good question, let me double-check that for you.",
    "I've put that through as urgent for you.",
    "Just to confirm, that's the address ending in forty-two?",
    "That's the earliest slot I have, I'm afraid.",
    "There's no charge for that.",
    "I'll read the terms to you before we go ahead.",
    "No problem at all, take your time.",
    "The system has accepted it, that's all done.",
    "I'll call you back personally if anything changes.",
    "I understand, we can do it by post instead.",
    "Let me escalate that to my team leader.",
    "It may take a few days to show on the app.",
    "I'm just waiting for the page to load.",
]
DEAD_AIR_AGENT = [
    "Let me just check that for you.",
    "Bear with me one moment.",
    "One second, the system is a bit slow today.",
]
CUSTOMER_FILLER = ["Okay.", "Right.", "Sure.", "Mm-hm, yes.", "I see."]

TOPICS = [
    ("Billing dispute", ["bill", "charges", "late fee", "refund", "statement"]),
    ("Cancellation", ["cancel", "cheaper deal", "other provider"]),
    ("Technical issue", ["internet", "router", "dropping", "engineer"]),
    ("Payment", ["payment", "card", "balance", "payment plan"]),
    ("Greeting", ["thank you for calling", "how can i help"]),
]
