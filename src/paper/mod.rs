//! The paper form: the printable A4 PDF and the layout the recogniser reads it by.
