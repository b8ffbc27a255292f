//! Values passed through Rust untouched, as datums. pgrx's `JsonB` converts to and from
//! serde_json through text, at a cost that grows with the value on every call; the engine never
//! looks inside JSON or arrays (SQL does), so it only carries the datum to and from its queries.

use pgrx::callconv::{Arg, ArgAbi, BoxRet, FcInfo};
use pgrx::datum::{FromDatum, IntoDatum};
use pgrx::nullable::Nullable;
use pgrx::pg_sys;
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};

macro_rules! raw_datum {
    ($(#[$doc:meta])* $name:ident, $sql:literal, $oid:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name(pg_sys::Datum);

        impl FromDatum for $name {
            unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, _: pg_sys::Oid) -> Option<Self> {
                (!is_null).then_some($name(datum))
            }

            /// Read from a statement's result: copied into the caller's context, because the
            /// statement's memory is freed when its SPI connection closes.
            unsafe fn from_datum_in_memory_context(
                mut memory_context: pgrx::PgMemoryContexts,
                datum: pg_sys::Datum,
                is_null: bool,
                _: pg_sys::Oid,
            ) -> Option<Self> {
                if is_null {
                    return None;
                }
                memory_context.switch_to(|_| {
                    // SAFETY: a varlena datum of this type, copied (and detoasted) whole.
                    let copy = unsafe { pg_sys::pg_detoast_datum_copy(datum.cast_mut_ptr()) };
                    Some($name(pg_sys::Datum::from(copy)))
                })
            }
        }

        impl IntoDatum for $name {
            fn into_datum(self) -> Option<pg_sys::Datum> {
                Some(self.0)
            }

            fn type_oid() -> pg_sys::Oid {
                pg_sys::$oid
            }
        }

        unsafe impl<'fcx> ArgAbi<'fcx> for $name {
            unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
                let index = arg.index();
                unsafe { arg.unbox_arg_using_from_datum() }
                    .unwrap_or_else(|| panic!("argument {index} must not be null"))
            }

            unsafe fn unbox_nullable_arg(arg: Arg<'_, 'fcx>) -> Nullable<Self> {
                unsafe { arg.unbox_arg_using_from_datum::<$name>() }.into()
            }
        }

        // Returned as it is: the datum was copied into the caller's context when it was read.
        unsafe impl BoxRet for $name {
            unsafe fn box_into<'fcx>(self, fcinfo: &mut FcInfo<'fcx>) -> pgrx::datum::Datum<'fcx> {
                unsafe { fcinfo.return_raw_datum(self.0) }
            }
        }

        unsafe impl SqlTranslatable for $name {
            const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!($name);
            const TYPE_ORIGIN: TypeOrigin = TypeOrigin::External;
            const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal($sql));
            const RETURN_SQL: Result<ReturnsRef, ReturnsError> =
                Ok(ReturnsRef::One(SqlMappingRef::literal($sql)));
        }
    };
}

raw_datum!(
    /// A `jsonb` argument.
    RawJsonb, "jsonb", JSONBOID
);
raw_datum!(
    /// A `jsonb[]` argument.
    RawJsonbArray, "jsonb[]", JSONBARRAYOID
);
raw_datum!(
    /// A `uuid[]` argument.
    RawUuidArray, "uuid[]", UUIDARRAYOID
);
raw_datum!(
    /// A `text[]` argument.
    RawTextArray, "text[]", TEXTARRAYOID
);
raw_datum!(
    /// An `int[]` argument.
    RawIntArray, "int[]", INT4ARRAYOID
);
