from .client_space import ClientSpacePage  # noqa: F401
from .pro_space import ProSpacePage  # noqa: F401
