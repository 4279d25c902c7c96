"""The made-up shop every test orders for: the sandbox's brand, a priced SKU, a shopper."""

from mge.models import Shipping

BRAND = 116
SKU = "DOT/VF/40X50/W/BLACK/STD"
SHIPPING = Shipping(
    name="Ada Lovelace",
    email="ada@example.com",
    phone="+65 6123 4567",
    street="1 Orchard Road",
    city="Singapore",
    zip="238823",
    country="SG",
)
