"""``tocha.utils.model_zoo``: ``load_url``, the older name of :func:`tocha.hub.load_state_dict_from_url`.

Example:
    >>> import tocha.utils.model_zoo
    >>> import tocha.hub
    >>> tocha.utils.model_zoo.load_url is tocha.hub.load_state_dict_from_url
    True
"""

from __future__ import annotations

from ..hub import load_state_dict_from_url as load_url

__all__ = ["load_url"]
